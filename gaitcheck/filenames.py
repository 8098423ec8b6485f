"""Names of the files in an analysis folder that code elsewhere looks up.

Kept free of heavy imports so batch workers and the CLI can use them cheaply.
"""

REPORT_NAME = "report.json"
LANDMARKS_NPZ = "landmarks.npz"
LANDMARKS_CSV = "landmarks.csv"
