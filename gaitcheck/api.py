"""The Python API: ``from gaitcheck import analyze``.

Examples
--------
>>> from gaitcheck import analyze                                  # doctest: +SKIP
>>> result = analyze("run.mp4", height_cm=178)                     # doctest: +SKIP
>>> result.metrics["cadence_spm"]["value"], result.findings[0]["message"]  # doctest: +SKIP
>>> result.save("run_report")                                      # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from gaitcheck.pipeline import AnalyzeOptions, Progress, result_from_landmarks, run_video
from gaitcheck.report.writers import parse_formats, save_result
from gaitcheck.result import GaitResult
from gaitcheck.validation import parse_slowmo

LANDMARK_SUFFIXES = (".npz", ".csv")


def analyze(
    source: str | Path,
    out_dir: str | Path | None = None,
    *,
    height_cm: float | None = None,
    view: str | None = None,
    treadmill: bool | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    slowmo: float | str = 1.0,
    model: str | None = None,
    max_people: int = 1,
    formats: tuple[str, ...] | None = None,
    progress: Progress | None = None,
) -> GaitResult:
    """Analyse a running video (or saved landmark tracks) and return the result.

    Parameters
    ----------
    source : str or Path
        A video file, or a ``landmarks.npz`` / ``landmarks.csv`` written by an earlier
        analysis (no pose model is run then).
    out_dir : str or Path, optional
        When given, every report file is written there (as ``gaitcheck analyze --out``);
        otherwise nothing is written and :meth:`GaitResult.save` can do it later.
    height_cm : float, optional
        Runner's height, cm: vertical oscillation is then in cm.
    view : str, optional
        Camera view override: "side", "side-left", "side-right", "front", "back".
    treadmill : bool, optional
        Setting override: True treadmill, False overground; None detects it.
    start_s, end_s : float, optional
        Analysis window, seconds of playback time.
    slowmo : float or "auto"
        Capture fps / playback fps for slow-motion files; "auto" applies the factor the
        gait timing shows when the evidence is firm (see ``report["slowmo"]``).
    model : str, optional
        Pose model: "full" (bundled), "lite", "heavy" or a path to a ``.task`` file.
    max_people : int
        People the pose model tracks per frame; 2 when others are in view.
    formats : tuple of str, optional
        Formats written with ``out_dir`` ("html", "csv", "video"); default HTML and CSV.
    progress : Progress, optional
        Receives per-frame progress of the pose stage.

    Raises
    ------
    gaitcheck.errors.GaitcheckError
        Unusable input or output, with a one-line message.
    """
    setting = None if treadmill is None else ("treadmill" if treadmill else "overground")
    factor, auto = parse_slowmo(slowmo)  # a bad factor is refused by AnalyzeOptions
    options = AnalyzeOptions(start_s=start_s, end_s=end_s, slowmo=factor, slowmo_auto=auto,
                             model=model,
                             max_people=max_people, view=view, setting=setting,
                             height_cm=height_cm, formats=parse_formats(formats))
    path = Path(source).expanduser()
    if path.suffix.lower() in LANDMARK_SUFFIXES:
        result = result_from_landmarks(path, options)
    else:
        result = run_video(path, options, progress)
    if out_dir is None:
        return result
    return result.at(save_result(result, Path(out_dir), options.formats))
