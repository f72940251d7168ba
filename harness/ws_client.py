"""A page of the app without a browser: Streamlit's own websocket protocol, spoken from Python.

One ``Page`` does what the page in a browser does with the server, and nothing it draws: it loads the
address (which sets the server's XSRF cookie, and a proxy's stickiness cookie), opens ``/_stcore/stream``,
asks for a run with the address's query string, and reads the ``ForwardMsg`` stream until
``script_finished``. A change of a widget is a ``rerun_script`` carrying the widget states, as the page sends
it; widgets are found by their user key, in the ids of the elements the server sent. An upload asks the
server for upload URLs over the websocket (``file_urls_request``), PUTs the file to the upload endpoint with
the XSRF token, then reruns with the uploader's state pointing at it, the way the page's uploader does.

Every run's elements are checked for failures: an exception element, or the app's "Something went wrong"
alert. The server's messages are not drawn, so a simulated user costs a few milliseconds of this process's
CPU per rerun, where a browser costs about three times the server's own work.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

XSRF_COOKIE = "_streamlit_xsrf"
WRONG = "Something went wrong"
RUN_TIMEOUT = 60.0
FINISHED_EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
# Element kinds whose state is a string (the option as shown), and the tabs, which are a block.
STRING_WIDGETS = {"selectbox", "radio", "tabs"}


class PageError(RuntimeError):
    """The server refused or dropped the page: an HTTP error, a closed websocket, or a run that never ended."""


@dataclass
class Widget:
    id: str
    kind: str  # the element's field name: "number_input", "selectbox", ..., or "tabs" for a tab container
    proto: object


@dataclass
class Run:
    """One answered request: what it cost the server, and what went wrong on the page."""

    seconds: float
    errors: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # markdown, captions and alerts, to look for a message


def user_key(widget_id: str) -> str | None:
    """The key the app gave a widget, from the id Streamlit made of it (``$$ID-<hash>-<key>``)."""
    parts = widget_id.split("-", 2)
    if len(parts) == 3 and parts[0] == "$$ID" and parts[2] != "None":
        return parts[2]
    return None


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with one file field, as the page's uploader sends it."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Page:
    """One user's page on ``base_url`` (a server or a proxy in front of several), opened at ``query``."""

    def __init__(self, base_url: str, query: str = "", *, name: str = "page", keep_frames: bool = False):
        self.base_url = base_url.rstrip("/")
        # Every message received, for tests that look for one session's data in another's messages.
        self.frames: list[bytes] | None = [] if keep_frames else None
        self.query_string = query.lstrip("?")
        self.name = name
        self.cookies: dict[str, str] = {}
        self.session_id = ""
        self.script_hash = ""
        self.widgets: dict[str, Widget] = {}  # by user key, from the latest run
        self.states: dict[str, WidgetState] = {}  # by widget id: what the page would send
        self.ws: ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._finished: asyncio.Queue[int] = asyncio.Queue()
        self._file_urls: dict[str, asyncio.Future] = {}
        self._run_errors: list[str] = []
        self._run_texts: list[str] = []
        self._seen_ids: set[str] = set()
        self._requests = itertools.count()
        self.closed_by_server = False

    # --- HTTP, with the cookies a browser would keep ----------------------------------------------------

    def _http(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> bytes:
        request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers or {})
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        # No proxy from the environment: the server is on this machine or named directly.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
                return response.read()
        except (urllib.error.URLError, OSError) as exc:
            raise PageError(f"{self.name}: {method} {path} failed: {exc}") from exc

    def _keep_cookies(self, lines: list[str]) -> None:
        for line in lines:
            jar = SimpleCookie()
            jar.load(line)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value

    @property
    def replica(self) -> str | None:
        """The proxy's stickiness cookie: which replica serves this page (None without a proxy)."""
        return self.cookies.get("replica")

    # --- the websocket -----------------------------------------------------------------------------------

    async def open(self) -> Run:
        """Load the page and run the script once, as a browser opening the address does."""
        await asyncio.to_thread(self._http, "GET", "/" + (f"?{self.query_string}" if self.query_string else ""))
        if XSRF_COOKIE not in self.cookies:
            await asyncio.to_thread(self._http, "GET", "/_stcore/health")
        return await self._connect(first=True)

    async def reconnect(self) -> Run:
        """The page's answer to a lost connection: a new websocket (to whichever replica the proxy picks) and
        a rerun with the same address and the same widget states."""
        await self.close()
        await asyncio.to_thread(self._http, "GET", "/_stcore/health")
        return await self._connect(first=False)

    async def _connect(self, first: bool) -> Run:
        url = urlsplit(self.base_url)
        scheme = "wss" if url.scheme == "https" else "ws"
        protocols = ["streamlit", self.cookies.get(XSRF_COOKIE, "")]
        if self.session_id and not first:
            protocols.append(self.session_id)
        try:
            self.ws = await connect(
                f"{scheme}://{url.netloc}{url.path}/_stcore/stream",
                subprotocols=[p for p in protocols if p],
                origin=f"{url.scheme}://{url.netloc}",
                additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())},
                max_size=None,
                proxy=None,
                open_timeout=30,
            )
        except (OSError, TimeoutError, ConnectionClosed) as exc:
            raise PageError(f"{self.name}: the websocket did not open: {exc}") from exc
        self.closed_by_server = False
        self._finished = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())
        return await self._rerun(trigger=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        self.ws, self._reader = None, None

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if self.frames is not None:
                    self.frames.append(frame)
                msg = ForwardMsg.FromString(frame)
                self._handle(msg)
        except ConnectionClosed:
            pass
        self.closed_by_server = True
        self._finished.put_nowait(-1)

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id
            self.script_hash = msg.new_session.main_script_hash
            self._seen_ids = set()
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta":
            self._delta(msg.delta)
        elif kind == "script_finished":
            if msg.script_finished != FINISHED_EARLY_FOR_RERUN:
                # The page forgets the widgets the run did not draw, and their states; so does this one.
                self.states = {i: s for i, s in self.states.items() if i in self._seen_ids}
                self.widgets = {k: w for k, w in self.widgets.items() if w.id in self._seen_ids}
            self._finished.put_nowait(msg.script_finished)
        elif kind == "file_urls_response":
            future = self._file_urls.pop(msg.file_urls_response.response_id, None)
            if future is not None and not future.done():
                future.set_result(msg.file_urls_response)

    def _delta(self, delta) -> None:
        if delta.WhichOneof("type") == "add_block" and delta.add_block.WhichOneof("type") == "tab_container":
            self._widget(delta.add_block.id, "tabs", delta.add_block.tab_container)
            return
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        body = getattr(element, kind)
        if kind == "exception":
            self._run_errors.append(f"exception element: {body.type}: {body.message[:200]}")
        elif kind == "alert":
            self._run_texts.append(body.body)
            if WRONG in body.body:
                self._run_errors.append(f"alert: {body.body[:200]}")
        elif kind in ("markdown", "text"):
            self._run_texts.append(body.body)
        widget_id = getattr(body, "id", "")
        if isinstance(widget_id, str) and widget_id:
            self._widget(widget_id, kind, body)

    def _widget(self, widget_id: str, kind: str, proto) -> None:
        self._seen_ids.add(widget_id)
        key = user_key(widget_id)
        if key is not None:
            self.widgets[key] = Widget(widget_id, kind, proto)

    async def _rerun(self, trigger: WidgetState | None) -> Run:
        """Send the page's rerun request and wait for the run that answers it; ``seconds`` is the wait."""
        self._run_errors, self._run_texts, self._seen_ids = [], [], set()
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query_string
        rerun.page_script_hash = self.script_hash
        states = [*self.states.values(), *([trigger] if trigger is not None else [])]
        rerun.widget_states.widgets.extend(states)
        t0 = time.monotonic()
        await self._send(msg)
        deadline = t0 + RUN_TIMEOUT
        while True:
            try:
                status = await asyncio.wait_for(self._finished.get(), timeout=max(0.01, deadline - time.monotonic()))
            except TimeoutError as exc:
                raise PageError(f"{self.name}: no script_finished within {RUN_TIMEOUT:.0f} s") from exc
            if status == -1:
                raise PageError(f"{self.name}: the server closed the connection")
            if status != FINISHED_EARLY_FOR_RERUN:
                return Run(time.monotonic() - t0, self._run_errors, self._run_texts)

    async def _send(self, msg: BackMsg) -> None:
        if self.ws is None:
            raise PageError(f"{self.name}: not connected")
        try:
            await self.ws.send(msg.SerializeToString())
        except ConnectionClosed as exc:
            raise PageError(f"{self.name}: the server closed the connection") from exc

    # --- what a user does --------------------------------------------------------------------------------

    def _state_of(self, key: str) -> WidgetState:
        widget = self.widgets.get(key)
        if widget is None:
            raise PageError(f"{self.name}: no widget with key {key!r} on the page")
        state = WidgetState(id=widget.id)
        return state

    async def set(self, **values) -> Run:
        """Change widgets (by key) to ``values`` and rerun, as one edit followed by its rerun."""
        for key, value in values.items():
            state = self._state_of(key)
            kind = self.widgets[key].kind
            if kind in STRING_WIDGETS:
                state.string_value = str(value)
            elif kind == "number_input":
                if self.widgets[key].proto.data_type == self.widgets[key].proto.INT:
                    state.int_value = int(value)
                else:
                    state.double_value = float(value)
            elif kind in ("checkbox",):
                state.bool_value = bool(value)
            elif kind == "slider":
                state.double_array_value.data.extend(value if isinstance(value, list | tuple) else [value])
            else:
                raise PageError(f"{self.name}: setting a {kind} is not supported")
            self.states[state.id] = state
            self._bound_to_address(key, value)
        return await self._rerun(trigger=None)

    def _bound_to_address(self, key: str, value) -> None:
        """A widget bound to the address by Streamlit (``bind="query-params"``) is written there by the page."""
        name = getattr(self.widgets[key].proto, "query_param_key", "")
        if name:
            params = [(k, v) for k, v in parse_qsl(self.query_string, keep_blank_values=True) if k != name]
            self.query_string = urlencode([*params, (name, str(value))])

    async def click(self, key: str) -> Run:
        """Press a button: a trigger sent with one rerun only."""
        state = self._state_of(key)
        state.trigger_value = True
        return await self._rerun(trigger=state)

    async def upload(self, key: str, name: str, data: bytes) -> Run:
        """Upload a file through the server's upload endpoint, then rerun with the uploader pointing at it."""
        uploader = self._state_of(key)
        request_id = f"{self.name}-{next(self._requests)}"
        future = asyncio.get_running_loop().create_future()
        self._file_urls[request_id] = future
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session_id
        await self._send(msg)
        try:
            response = await asyncio.wait_for(future, timeout=RUN_TIMEOUT)
        except TimeoutError as exc:
            raise PageError(f"{self.name}: no upload URL within {RUN_TIMEOUT:.0f} s") from exc
        if response.error_msg:
            raise PageError(f"{self.name}: upload URL refused: {response.error_msg}")
        urls = response.file_urls[0]
        body, content_type = multipart(name, data)
        path = urlsplit(urls.upload_url).path if "://" in urls.upload_url else "/" + urls.upload_url.lstrip("/")
        headers = {"Content-Type": content_type, "X-Xsrftoken": self.cookies.get(XSRF_COOKIE, "")}
        await asyncio.to_thread(self._http, "PUT", path, body, headers)
        info = uploader.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        self.states[uploader.id] = uploader
        return await self._rerun(trigger=None)

    def received(self, text: str) -> bool:
        """Whether any message this page received (kept with ``keep_frames``) holds ``text``."""
        return any(text.encode() in frame for frame in self.frames or ())

    def value(self, key: str):
        """A widget's value as the server last drew it (numbers, options as shown, switches)."""
        widget = self.widgets.get(key)
        if widget is None:
            return None
        p, kind = widget.proto, widget.kind
        # A value this page set is the widget's value: the server draws it without repeating it.
        sent = self.states.get(widget.id)
        if sent is not None and sent.WhichOneof("value") in ("string_value", "double_value", "int_value", "bool_value"):
            return getattr(sent, sent.WhichOneof("value"))
        if kind == "number_input":
            number = p.value if p.set_value else p.default
            return int(number) if p.data_type == p.INT else number
        if kind in ("selectbox", "radio"):
            if p.set_value and p.raw_value:
                return p.raw_value
            return p.options[p.default] if p.options else None
        if kind == "checkbox":
            return p.value if p.set_value else p.default
        if kind == "slider":
            values = list(p.value) if p.set_value else list(p.default)
            if p.options:
                values = [p.options[int(v)] for v in values]
            return values[0] if len(values) == 1 else values
        return None
