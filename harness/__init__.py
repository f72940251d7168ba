"""Starting the real thing for tests and benchmarks: a `streamlit run app.py` server and a headless Chromium.

Not part of cedash and not installed with it: tests and benchmarks import it with the repository root on
``sys.path`` (tests/conftest.py and each benchmark put it there).
"""
