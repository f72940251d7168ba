import os

# scikit-learn's check_array_api_input (numpy namespace) only runs when this is set before scipy loads.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
