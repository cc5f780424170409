"""The peers of bench/drift/report.bench.ts on the same data: scipy per column, NannyML's univariate
drift, Evidently's data-drift preset. One peer per process, so each peak RSS is its own.

Usage: python peers.py PEER FOLDER ROWS FEATURES
  PEER is scipy | nannyml | evidently; FOLDER holds ref-<i>.f64 and cur-<i>.f64 (float64, little-endian).
Prints one line: name<TAB>cpu ms<TAB>rows<TAB>detail (or name<TAB>skipped<TAB>0<TAB>reason).
"""
import os
import resource
import sys
import time
import warnings

# NannyML reports usage to a web service by default; the bench machine has no network for it.
os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")
warnings.filterwarnings("ignore")

peer, folder, rows, features = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
shifted = [i % 2 == 1 for i in range(features)]


def load(rows_wanted):
    import numpy as np
    ref = [np.fromfile(os.path.join(folder, f"ref-{i}.f64"), dtype="<f8")[:rows_wanted] for i in range(features)]
    cur = [np.fromfile(os.path.join(folder, f"cur-{i}.f64"), dtype="<f8")[:rows_wanted] for i in range(features)]
    return ref, cur


def alarms(flags):
    found = sum(1 for i, f in enumerate(flags) if f and shifted[i])
    false = sum(1 for i, f in enumerate(flags) if f and not shifted[i])
    return f"{found}/10 shifted found, {false}/10 false alarms"


def peak():
    return f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"


def report(name, started, n, detail):
    print(f"{name}\t{(time.process_time() - started) * 1000:.0f}\t{n}\t{detail}; {peak()}", flush=True)


def scipy_loop():
    import numpy as np
    from scipy import stats
    ref, cur = load(rows)
    started = time.process_time()
    flags = []
    for r, c in zip(ref, cur):
        stats.ks_2samp(r, c)
        w = stats.wasserstein_distance(r, c) / max(np.std(r), 0.001)
        edges = np.histogram_bin_edges(np.concatenate([r, c]), bins="sturges")
        rp = np.histogram(r, edges)[0] / len(r)
        cp = np.histogram(c, edges)[0] / len(c)
        rp[rp == 0] = 0.0001
        cp[cp == 0] = 0.0001
        float(np.sum((rp - cp) * np.log(rp / cp)))
        flags.append(w >= 0.1)
    report("scipy (ks_2samp, wasserstein_distance, PSI)", started, rows, alarms(flags) + " by Wasserstein/std ≥ 0.1")


def nannyml():
    try:
        import nannyml as nml
        import pandas as pd
    except ImportError as error:
        print(f"NannyML\tskipped\t0\t{error}")
        return
    ref, cur = load(rows)
    names = [f"f{i:02d}" for i in range(features)]
    reference = pd.DataFrame({n: r for n, r in zip(names, ref)})
    analysis = pd.DataFrame({n: c for n, c in zip(names, cur)})
    started = time.process_time()
    # NannyML derives its thresholds from the spread of the reference's own chunks, so it needs
    # several: 10 chunks a side, and a column counts as flagged when any analysis chunk alerts.
    calc = nml.UnivariateDriftCalculator(column_names=names, continuous_methods=["kolmogorov_smirnov", "wasserstein", "jensen_shannon"], chunk_number=10)
    calc.fit(reference)
    result = calc.calculate(analysis).filter(period="analysis").to_df()
    details = []
    for method in ["kolmogorov_smirnov", "wasserstein", "jensen_shannon"]:
        flags = [bool(result[(n, method, "alert")].any()) for n in names]
        details.append(f"{method}: {alarms(flags)}")
    report("NannyML univariate drift (10 chunks a side)", started, rows, "; ".join(details))


def evidently(n):
    try:
        import pandas as pd
        from evidently.legacy.metric_preset import DataDriftPreset
        from evidently.legacy.report import Report
    except ImportError as error:
        print(f"Evidently\tskipped\t0\t{error}")
        return
    ref, cur = load(n)
    names = [f"f{i:02d}" for i in range(features)]
    reference = pd.DataFrame({k: r for k, r in zip(names, ref)})
    current = pd.DataFrame({k: c for k, c in zip(names, cur)})
    started = time.process_time()
    run = Report(metrics=[DataDriftPreset()])
    run.run(reference_data=reference, current_data=current)
    columns = next(m["result"]["drift_by_columns"] for m in run.as_dict()["metrics"] if "drift_by_columns" in m["result"])
    report("Evidently data-drift preset", started, n, alarms([columns[k]["drift_detected"] for k in names]))


if peer == "scipy":
    scipy_loop()
elif peer == "nannyml":
    nannyml()
elif peer == "evidently":
    evidently(int(sys.argv[5]) if len(sys.argv) > 5 else rows)
