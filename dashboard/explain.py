"""Words and formulas for people who do not read code: captions and LaTeX with the run's numbers."""

from __future__ import annotations

from cedash.runs.experiment import WIDE_SCALES, RunResult

CAPTIONS = {
    "loss": "Each step of gradient descent should lower the training loss. The dotted line is the loss on points "
    "the model never trained on; when it rises while the training loss falls, the model is overfitting.",
    "accuracy": "The share of points on the correct side of the boundary. It moves in jumps, while the loss shows "
    "every small gain in confidence.",
    "play": "Press Play to watch the model learn: the boundary moves and the loss curve grows as the iterations "
    "go by, most of them early on, where most of the change happens. Pause, or drag the slider to any iteration. "
    "The darker shades are where the model is more than 75% sure.",
    "boundary": "Colour shows how sure the model is of each class at every place in the plane; the black line is "
    "where it is exactly 50/50. Circles are training points, diamonds test points, and crosses mark mistakes.",
    "regions": "Each class has its own colour, deeper where the model is surer of it; where two colours meet, its "
    "answer changes. Circles are training points, diamonds test points, and crosses mark mistakes.",
}

# A gap this small (relative to the loss) is rounding in the solvers, not a difference a person can act on.
AT_OPTIMUM = 1e-6


def optimum_caption(final_loss: float, best: float, hint_kinds=()) -> str:
    """How far the run ended from the best loss a model of this form can reach, in plain words.

    What would get closer follows the run's own hints (``cedash.runs.advice``): a run still going down needs
    more steps or longer ones, an overshooting one shorter ones; otherwise the caption gives no advice.
    """
    gap = final_loss - best
    if gap <= AT_OPTIMUM * max(abs(best), 1.0):
        where = "This run ends at the optimum: no model of this form does better on this data."
    else:
        share = gap / max(best, 1e-300)
        where = f"This run ends {gap:.2g} above it ({share:.1%} more loss)"
        if "overshooting" in hint_kinds:
            where += "; its steps jump past the bottom, and a smaller rate settles closer."
        elif "still_falling" in hint_kinds:
            where += "; more iterations or a larger rate get closer."
        else:
            where += "."
    return (
        f"Dashed line: the best loss any model of this form reaches on this training data, {best:.4g}. {where} "
        "The Optimisers tab shows how fast each optimiser gets there."
    )


_UPDATE_RULES = {
    "gd": r"w \leftarrow w - \eta\,\nabla L(w)",
    "momentum": r"v \leftarrow \mu v + \nabla L(w),\quad w \leftarrow w - \eta\, v",
    "nesterov": r"v \leftarrow \mu v + \nabla L(w),\quad w \leftarrow w - \eta\,(\nabla L(w) + \mu v)",
    "adam": r"m \leftarrow \beta_1 m + (1-\beta_1)\nabla L,\ \ s \leftarrow \beta_2 s + (1-\beta_2)(\nabla L)^2,"
    r"\ \ w \leftarrow w - \eta\,\frac{\hat m}{\sqrt{\hat s} + \epsilon}",
}


def _num(x: float) -> str:
    text = f"{x:.4g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def loss_latex(result: RunResult) -> str:
    """The loss being minimised, ending in its value for this run."""
    n = result.train.n_samples
    final = result.loss_curve[-1]
    if len(result.classes) == 2:
        body = r"-\frac{1}{%d}\sum_{i=1}^{%d}\Big[y_i \log p_i + (1-y_i)\log(1-p_i)\Big]" % (n, n)
    else:
        body = r"-\frac{1}{%d}\sum_{i=1}^{%d} \log p_{i,\,y_i}" % (n, n)
    penalty = ""
    if result.config.alpha > 0:
        penalty = r" + \frac{%s}{2}\lVert w \rVert^2" % _num(result.config.alpha)
    return rf"L(w) = {body}{penalty} = {_num(final)}"


def update_latex(result: RunResult) -> str:
    """The update rule of this run's optimiser, with its learning rate."""
    rule = _UPDATE_RULES[result.config.optimizer]
    extra = ""
    if result.config.optimizer in ("momentum", "nesterov"):
        extra = rf",\quad \mu = {_num(result.config.momentum)}"
    return rf"{rule},\qquad \eta = {_num(result.config.learning_rate)}{extra}"


def divergence_message(result: RunResult) -> str | None:
    if result.diverged_at is None:
        return None
    lr = result.config.learning_rate
    start = f"Training diverged at iteration {result.diverged_at}: {result.model.divergence_reason_}. "
    start += "The charts show the run up to that point. "
    if not result.config.standardize and result.spread_ratio > WIDE_SCALES:
        # One rate cannot suit inputs whose spreads differ this much: a smaller one only crawls on the others.
        return start + (
            f"The inputs' spreads differ {result.spread_ratio:,.0f}-fold, so turn on Standardise first; "
            "a smaller learning rate alone would crawl on the narrow ones."
        )
    return (
        start
        + f"Try a smaller learning rate, such as {lr / 10:g}"
        + ("" if result.config.standardize else ", or turn on standardising")
        + "."
    )
