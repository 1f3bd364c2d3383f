"""Shared fixtures: the synthetic data sets, their designs, and the numbers R's survey gave."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from indagine.stats.design import Design, survey_design
from indagine.stats.weighting import post_stratify, rake

DATA = Path(__file__).parent / "data"
SEX = {"F": 1650.0, "M": 1350.0}
AGE = {"18-34": 600.0, "35-49": 750.0, "50-64": 900.0, "65+": 750.0}
REGION = {"centre": 1400.0, "east": 950.0, "west": 650.0}


def read(name: str) -> pl.DataFrame:
    """One of the generated data sets, every answer column as text except numbers."""
    return pl.read_csv(DATA / f"{name}.csv", schema_overrides={"likert": pl.String})


def build(prefix: str) -> tuple[pl.DataFrame, Design]:
    """The data and design named as in reference.R."""
    if prefix == "stratified":
        df = read("stratified")
        return df, survey_design(strata=df["stratum"], fpc=df["N"])
    if prefix == "clustered":
        df = read("clustered")
        return df, survey_design(strata=df["stratum"], clusters=df["cluster"], fpc=df["Npsu"])
    if prefix == "cluster1":
        df = read("clustered")
        return df, survey_design(clusters=df["cluster"], fpc=df["Nclubs"])
    df = read("panel")
    if prefix == "srs":
        return df, survey_design(fpc=df["N"])
    weighted = survey_design(weights=df["w"], fpc=df["N"])
    if prefix == "weighted":
        return df, weighted
    if prefix in ("calibrated", "rake"):
        return df, rake(
            weighted, {"sex": df["sex"], "age": df["age"]}, {"sex": SEX, "age": AGE}
        ).design
    if prefix == "post":
        return df, post_stratify(weighted, "region", df["region"], REGION).design
    raise KeyError(prefix)


PREFIXES = ["stratified", "clustered", "cluster1", "srs", "weighted", "calibrated", "post"]


@pytest.fixture(scope="session")
def reference() -> dict[str, float]:
    """Reference numbers written by tests/stats/data/reference.R."""
    with (DATA / "reference.csv").open() as handle:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="session", params=PREFIXES)
def case(request: pytest.FixtureRequest) -> tuple[str, pl.DataFrame, Design]:
    """Each reference design in turn."""
    df, design = build(request.param)
    return request.param, df, design
