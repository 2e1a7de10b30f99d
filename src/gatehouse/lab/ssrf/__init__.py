"""Scripted labs that attack and defend the running lab (`gatehouse lab run`)."""

from gatehouse.lab.ssrf.scenario import RUNS, LabRun, StepResult, Target, run_ssrf_imds

__all__ = ["RUNS", "LabRun", "StepResult", "Target", "run_ssrf_imds"]
