"""Landmark tracks: one subject's 33 landmarks over time, with timestamps and video metadata."""

from gaitcheck.tracks.io import load_tracks, save_tracks_csv, save_tracks_npz
from gaitcheck.tracks.settings import DEFAULT_CLEANING_SETTINGS, CleaningSettings
from gaitcheck.tracks.tracks import CHANNELS, LandmarkTracks

__all__ = ["CHANNELS", "DEFAULT_CLEANING_SETTINGS", "CleaningSettings", "LandmarkTracks",
           "load_tracks", "save_tracks_csv", "save_tracks_npz"]
