"""Landmark tracks: one subject's 33 landmarks over time, with timestamps and video metadata."""

from gaitcheck.tracks.io import load_tracks, save_tracks_csv, save_tracks_npz
from gaitcheck.tracks.tracks import CHANNELS, LandmarkTracks

__all__ = ["CHANNELS", "LandmarkTracks", "load_tracks", "save_tracks_csv", "save_tracks_npz"]
