"""Python baselines of bench/batch: the same job as batch-score (read the file, score in batches of
65,536 with onnxruntime, write the predictions as Parquet), two ways:

  pandas   read the whole file into a DataFrame (pandas.read_parquet, or pyarrow.ipc to_pandas for
           Arrow IPC), score slices of it, write one Parquet file with pandas
  dataset  pyarrow.dataset streaming record batches of 65,536 rows into onnxruntime, each batch's
           predictions appended to a pyarrow ParquetWriter

Usage: python baseline.py pandas|dataset INPUT MODEL OUTPUT. Prints one JSON line: rows, seconds,
peak resident memory (ru_maxrss, KiB).
"""
import json
import resource
import sys
import time

import numpy as np
import onnxruntime as ort
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

BATCH = 65_536
FEATURES = [f"f{j}" for j in range(6)]


def session(model):
    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def run_pandas(path, model, output):
    import pandas as pd

    sess = session(model)
    name = sess.get_inputs()[0].name
    if path.endswith(".parquet"):
        frame = pd.read_parquet(path, columns=FEATURES)
    else:
        with pa.memory_map(path) as source:
            frame = pa.ipc.open_file(source).read_all().select(FEATURES).to_pandas()
    matrix = frame[FEATURES].to_numpy(dtype=np.float32)
    parts = []
    for start in range(0, len(matrix), BATCH):
        parts.append(sess.run(None, {name: matrix[start : start + BATCH]})[0].reshape(-1))
    predictions = np.concatenate(parts)
    pd.DataFrame({"row_id": np.arange(len(predictions), dtype=np.int64), "prediction": predictions}).to_parquet(output, index=False)
    return len(predictions)


def run_dataset(path, model, output):
    sess = session(model)
    name = sess.get_inputs()[0].name
    dataset = ds.dataset(path, format="parquet" if path.endswith(".parquet") else "arrow")
    schema = pa.schema([("row_id", pa.int64()), ("prediction", pa.float32())])
    rows = 0
    with pq.ParquetWriter(output, schema) as writer:
        for batch in dataset.to_batches(columns=FEATURES, batch_size=BATCH):
            matrix = np.column_stack([batch.column(f).to_numpy(zero_copy_only=False) for f in FEATURES]).astype(np.float32)
            prediction = sess.run(None, {name: matrix})[0].reshape(-1)
            writer.write_batch(pa.record_batch([pa.array(np.arange(rows, rows + len(prediction), dtype=np.int64)), pa.array(prediction)], schema=schema))
            rows += len(prediction)
    return rows


def main():
    mode, path, model, output = sys.argv[1:5]
    start = time.perf_counter()
    rows = (run_pandas if mode == "pandas" else run_dataset)(path, model, output)
    seconds = time.perf_counter() - start
    print(json.dumps({"rows": rows, "seconds": seconds, "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
