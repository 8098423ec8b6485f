"""Synthetic runners with exact ground truth: kinematics, camera, tracks, rendering."""
