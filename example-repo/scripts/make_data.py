"""Generate the example repository's data sets, deterministically.

Run from the repository root:  python scripts/make_data.py
Needs numpy and pyarrow (both are in models/house-prices/requirements.txt).

The data are synthetic but carry real signal, so that evaluation, fairness, explanation and drift
checks have something to find:

- churn: customers churn more on month-to-month contracts, with short tenure, high monthly charges
  and many support calls. Gender is not a model input, but it matters a little: women in this
  population call support slightly more often and churn slightly more, so fairness metrics of a
  model trained without gender are small but not zero.
- house-prices: price follows floor area and neighborhood, then bedrooms, age and distance to the
  city centre, with multiplicative noise.
- current.*: a later, drifted sample of each population (the monitor's "current" data): churn
  customers are newer and pay more; houses are larger, newer and more often downtown.

Every file is rewritten byte for byte the same on each run (fixed seeds, no timestamps).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
# A 1,000-row test split swings fairness metrics by about ±0.03; this seed gives one near the
# population values (demographic parity difference about 0.03), so the demo is typical, not lucky.
SEED = 2

CONTRACTS = ["month-to-month", "one-year", "two-year"]
NEIGHBORHOODS = ["downtown", "riverside", "hillside", "suburbs", "industrial"]


def make_churn(rng: np.random.Generator, n: int, drifted: bool = False) -> dict[str, list]:
    """Customers of a telecom operator and whether they left within 30 days."""
    gender = rng.choice(["female", "male"], size=n, p=[0.5, 0.5])
    contract_p = [0.76, 0.14, 0.10] if drifted else [0.55, 0.25, 0.20]
    contract = rng.choice(CONTRACTS, size=n, p=contract_p)
    # Longer contracts go with longer-standing customers.
    tenure_scale = np.select([contract == "month-to-month", contract == "one-year"], [14.0, 28.0], 44.0)
    if drifted:
        tenure_scale = tenure_scale * 0.6
    tenure = np.clip(np.round(rng.exponential(tenure_scale)) + 1, 1, 72).astype(np.int64)
    charge_mean = 72.0 if drifted else 64.0
    monthly_charges = np.round(np.clip(rng.normal(charge_mean, 24.0, size=n), 18.25, 118.75), 2)
    female = gender == "female"
    support_calls = rng.poisson(np.where(female, 1.7, 1.5)).astype(np.int64)

    contract_effect = np.select([contract == "month-to-month", contract == "one-year"], [0.9, -0.4], -1.5)
    logit = (
        -1.35
        - 0.045 * (tenure - 20)
        + 0.022 * (monthly_charges - 64.0)
        + 0.45 * (support_calls - 1.6)
        + contract_effect
        + 0.25 * female
    )
    churned = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return {
        "customer_id": [f"C{i:05d}" for i in range(1, n + 1)],
        "tenure": tenure.tolist(),
        "monthly_charges": monthly_charges.tolist(),
        "contract": contract.tolist(),
        "support_calls": support_calls.tolist(),
        "gender": gender.tolist(),
        "churned": churned.tolist(),
    }


def make_houses(rng: np.random.Generator, n: int, drifted: bool = False) -> dict[str, list]:
    """Houses sold in one city, with their sale price in dollars."""
    hood_p = [0.32, 0.2, 0.15, 0.23, 0.1] if drifted else [0.15, 0.2, 0.15, 0.35, 0.15]
    neighborhood = rng.choice(NEIGHBORHOODS, size=n, p=hood_p)
    sqft_median = 1900.0 if drifted else 1650.0
    sqft = np.clip(np.round(rng.lognormal(np.log(sqft_median), 0.35, size=n) / 10) * 10, 450, 6000).astype(np.int64)
    bedrooms = np.clip(np.round(sqft / 650 + rng.normal(0.3, 0.6, size=n)), 1, 6).astype(np.int64)
    age = np.clip(np.round(rng.gamma(2.0, 7.0 if drifted else 14.0, size=n)), 0, 110).astype(np.int64)
    centre_km = {"downtown": 1.5, "riverside": 5.0, "hillside": 9.0, "suburbs": 16.0, "industrial": 7.0}
    distance_km = np.round(
        np.clip(np.array([centre_km[h] for h in neighborhood]) * rng.lognormal(0.0, 0.35, size=n), 0.3, 45.0), 2
    )

    price_per_sqft = {"downtown": 420.0, "riverside": 330.0, "hillside": 300.0, "suburbs": 230.0, "industrial": 170.0}
    base = np.array([price_per_sqft[h] for h in neighborhood]) * sqft
    price = (
        base * np.exp(-0.004 * age) * np.exp(-0.012 * distance_km)
        + 12_000.0 * bedrooms
        + 25_000.0
    ) * rng.lognormal(0.0, 0.08, size=n)
    return {
        "listing_id": [f"L{i:05d}" for i in range(1, n + 1)],
        "sqft": sqft.tolist(),
        "bedrooms": bedrooms.tolist(),
        "age": age.tolist(),
        "distance_km": distance_km.tolist(),
        "neighborhood": neighborhood.tolist(),
        "price": np.round(price, -2).tolist(),
    }


def take(columns: dict[str, list], start: int, stop: int) -> dict[str, list]:
    return {name: values[start:stop] for name, values in columns.items()}


def write_atomically(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)
    print(f"wrote {path.relative_to(ROOT)}")


def write_csv(path: Path, columns: dict[str, list]) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns.keys())
            writer.writerows(zip(*columns.values()))

    write_atomically(path, write)


def write_parquet(path: Path, columns: dict[str, list]) -> None:
    # Snappy and plain pyarrow types: what every Parquet reader (hyparquet included) decodes.
    table = pa.table(columns)
    write_atomically(path, lambda tmp: pq.write_table(table, tmp, compression="snappy"))


def main() -> None:
    churn = make_churn(np.random.default_rng(SEED), 5000)
    write_csv(ROOT / "data/churn/train.csv", take(churn, 0, 4000))
    write_csv(ROOT / "data/churn/test.csv", take(churn, 4000, 5000))
    write_csv(ROOT / "data/churn/current.csv", make_churn(np.random.default_rng(SEED + 1), 1000, drifted=True))

    houses = make_houses(np.random.default_rng(SEED + 2), 3000)
    write_parquet(ROOT / "data/house-prices/train.parquet", take(houses, 0, 2400))
    write_parquet(ROOT / "data/house-prices/test.parquet", take(houses, 2400, 3000))
    write_parquet(ROOT / "data/house-prices/current.parquet", make_houses(np.random.default_rng(SEED + 3), 600, drifted=True))


if __name__ == "__main__":
    main()
