"""The Streamlit layer of cedash: widgets, layout and session state.

Everything here draws or remembers; everything it shows is computed by the
``cedash`` package, which never imports Streamlit.
"""
