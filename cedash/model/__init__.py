"""The model: losses, update rules, objectives, the training loop, compiled kernels, the classifier, features."""
