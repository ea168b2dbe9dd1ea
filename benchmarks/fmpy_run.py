"""Oasis fmpy side of benchmarks/fmpy_bench.py: runs in benchmarks/.venv-oasis, never in the project venv.

``prepare WORKDIR``: from ``WORKDIR/losses.npz`` (written by fmpy_bench.py: event and item of each
record, its sample losses, the terms), writes with oasislmf's own dtypes and stream header:

- ``gul.bin`` (and ``gul_small.bin``, the first events, to load numba's compiled functions untimed):
  the ground-up loss stream, one record per (event, item) holding its samples ``sidx = 1..S``;
- ``per_item/``: fm_programme, fm_policytc, fm_profile, fm_xref: items (level 1) with the deductible
  and limit per occurrence (calcrule 1), under one pass-through policy node (level 2);
- ``per_event/``: the same items under a policy node with a limit per event over all the items
  (calcrule 14).

Both with allocation rule 2 (each level's result shared out pro rata down to the items) and one
output per item, as ours gives one insured loss per location.

``run WORKDIR STRUCTURE [--keep]`` (STRUCTURE ``per_item`` or ``per_event``): times, in this
process, fmpy's event loop as ``oasislmf.pytools.fm.manager.run_synchronous_sparse`` runs it
(stream reading and parsing, ``compute_event``, writing the output stream), with a separate clock
around ``compute_event`` alone, after one untimed run on the small stream. With ``--keep`` the
output stream is parsed into ``WORKDIR/STRUCTURE.npy`` (dense losses, [records, samples]) for
the comparison.
Prints one line of JSON.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack

import numpy as np
from oasislmf.pytools.common.data import (
    fm_policytc_dtype,
    fm_profile_dtype,
    fm_programme_dtype,
    fm_xref_dtype,
    oasis_float,
    oasis_int,
)
from oasislmf.pytools.common.event_stream import (
    ITEM_STREAM,
    LOSS_STREAM_ID,
    init_streams_in,
    stream_info_to_bytes,
)
from oasislmf.pytools.fm.compute_sparse import compute_event, init_variable, reset_variable
from oasislmf.pytools.fm.financial_structure import create_financial_structure, load_financial_structure
from oasislmf.pytools.fm.stream_sparse import EventWriterSparse, FMReader

PASS_THROUGH, PER_ITEM, PER_EVENT = 1, 2, 3  # profile ids
RULE = 2  # back-allocation pro rata: every level's result shared out to the items, output per item


def write_structure(path: str, n_items: int, top_profile: int) -> None:
    os.makedirs(path, exist_ok=True)
    items = np.arange(1, n_items + 1)
    programme = np.zeros(2 * n_items, dtype=fm_programme_dtype)
    programme["from_agg_id"] = np.concatenate([items, items])
    programme["level_id"] = np.repeat([1, 2], n_items)
    programme["to_agg_id"] = np.concatenate([items, np.ones(n_items, dtype=int)])
    policytc = np.zeros(n_items + 1, dtype=fm_policytc_dtype)
    policytc["level_id"] = np.append(np.ones(n_items, dtype=int), 2)
    policytc["agg_id"] = np.append(items, 1)
    policytc["layer_id"] = 1
    policytc["profile_id"] = np.append(np.full(n_items, PER_ITEM), top_profile)
    xref = np.zeros(n_items, dtype=fm_xref_dtype)
    xref["output"], xref["agg_id"], xref["layer_id"] = items, items, 1
    for name, table in (("fm_programme", programme), ("fm_policytc", policytc), ("fm_xref", xref)):
        table.tofile(os.path.join(path, f"{name}.bin"))


def write_profiles(path: str, terms: dict[str, float]) -> None:
    profile = np.zeros(3, dtype=fm_profile_dtype)
    profile["profile_id"] = [PASS_THROUGH, PER_ITEM, PER_EVENT]
    profile["calcrule_id"] = [12, 1, 14]  # deductible 0 (does nothing); deductible and limit; limit only
    profile["deductible1"][1] = terms["deductible"]
    profile["limit1"][1] = terms["limit"]
    profile["limit1"][2] = terms["event_limit"]
    profile.tofile(os.path.join(path, "fm_profile.bin"))


def write_gul(path: str, event: np.ndarray, item: np.ndarray, losses: np.ndarray) -> None:
    """One (event_id, item_id) header, S (sidx, loss) pairs and the (0, 0) end mark per record."""
    n_samples = losses.shape[1]
    record = np.dtype(
        [("event_id", oasis_int), ("item_id", oasis_int)]
        + [(f"f{i}", [("sidx", oasis_int), ("loss", oasis_float)]) for i in range(n_samples + 1)]
    )
    table = np.zeros(event.size, dtype=record)
    table["event_id"], table["item_id"] = event, item
    for i in range(n_samples):
        table[f"f{i}"]["sidx"] = i + 1
        table[f"f{i}"]["loss"] = losses[:, i]
    with open(path, "wb") as stream:
        stream.write(stream_info_to_bytes(LOSS_STREAM_ID, ITEM_STREAM))
        stream.write(np.int32(n_samples).tobytes())
        table.tofile(stream)


def prepare(workdir: str) -> None:
    data = np.load(os.path.join(workdir, "losses.npz"))
    terms = {key: float(data[key]) for key in ("deductible", "limit", "event_limit")}
    event, item, losses = data["event"], data["item"], data["losses"]
    write_gul(os.path.join(workdir, "gul.bin"), event, item, losses)
    small = event <= event[0] + 9
    write_gul(os.path.join(workdir, "gul_small.bin"), event[small], item[small], losses[small])
    n_items = int(data["n_items"])
    for name, top in (("per_item", PASS_THROUGH), ("per_event", PER_EVENT)):
        path = os.path.join(workdir, name)
        write_structure(path, n_items, top)
        write_profiles(path, terms)
        create_financial_structure(RULE, path)
    print(json.dumps({"prepared": workdir}))


def event_loop(static_path: str, rule: int, gul: str, out: str) -> dict[str, float]:
    """fmpy's sparse event loop (manager.run_synchronous_sparse, gross output), with a clock on compute."""
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    compute_wall = compute_cpu = 0.0
    events = 0
    with ExitStack() as stack:
        streams_in, (_, _, max_sidx_val) = init_streams_in([gul], stack)
        info, nodes, parents, profiles, output_array, fm_profile = load_financial_structure(rule, static_path)
        info = info[0]
        stepped = True if info["stepped"] else None
        tempdir = stack.enter_context(tempfile.TemporaryDirectory())
        (
            max_sidx_val,
            _,
            len_array,
            sidx_indexes,
            sidx_indptr,
            sidx_val,
            loss_indptr,
            loss_val,
            pass_through,
            extras_indptr,
            extras_val,
            children,
            computes,
            item_parent_i,
            compute_idx,
        ) = init_variable(info, max_sidx_val, tempdir, False)
        pass_through_out = np.zeros_like(pass_through) if rule == 0 else pass_through
        writer = stack.enter_context(
            EventWriterSparse(
                out, nodes, output_array, sidx_indexes, sidx_indptr, sidx_val, loss_indptr, loss_val,
                pass_through_out, max_sidx_val, computes,
            )
        )  # fmt: skip
        reader = FMReader(
            nodes, sidx_indexes, sidx_indptr, sidx_val, loss_indptr, loss_val, pass_through, len_array,
            computes, compute_idx,
        )  # fmt: skip
        for event_id in reader.read_streams(streams_in):
            wall, cpu = time.perf_counter(), time.process_time()
            compute_event(
                info, False, nodes, parents, profiles, len_array, max_sidx_val, sidx_indexes, sidx_indptr,
                sidx_val, loss_indptr, loss_val, extras_indptr, extras_val, children, computes, compute_idx,
                item_parent_i, fm_profile, stepped,
            )  # fmt: skip
            compute_wall += time.perf_counter() - wall
            compute_cpu += time.process_time() - cpu
            writer.write(event_id, compute_idx)
            reset_variable(children, compute_idx, computes)
            events += 1
    return {
        "loop_wall_s": time.perf_counter() - started_wall,
        "loop_cpu_s": time.process_time() - started_cpu,
        "compute_wall_s": compute_wall,
        "compute_cpu_s": compute_cpu,
        "events": events,
    }


def read_output(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(event_id, output_id, sidx, loss) of every sample loss of an fm stream (specials dropped).

    After the 8-byte stream header the stream is a sequence of 8-byte units: a record header
    (event_id, output_id), its (sidx, loss) pairs, then the (0, 0) end mark.
    """
    units = np.fromfile(path, dtype=np.uint8)[8:]
    words, values = units.view(oasis_int).reshape(-1, 2), units.view(oasis_float).reshape(-1, 2)
    ends = np.flatnonzero(words[:, 0] == 0)
    headers = np.concatenate([[0], ends[:-1] + 1])
    is_header = np.zeros(len(words), dtype=bool)
    is_header[headers] = True
    record = np.cumsum(is_header) - 1
    sample = np.ones(len(words), dtype=bool)
    sample[headers], sample[ends] = False, False
    sample &= words[:, 0] > 0
    owner = headers[record[sample]]
    return words[owner, 0], words[owner, 1], words[sample, 0], values[sample, 1].astype(np.float64)


def run(workdir: str, structure: str, keep: bool) -> None:
    rule = RULE
    static = os.path.join(workdir, structure)
    out = os.path.join(workdir, f"{structure}_out.bin")
    started = time.perf_counter()
    event_loop(static, rule, os.path.join(workdir, "gul_small.bin"), out)  # numba: load compiled code
    warm_up = time.perf_counter() - started
    timings = event_loop(static, rule, os.path.join(workdir, "gul.bin"), out)
    timings["warm_up_s"] = warm_up
    if keep:  # dense [records, samples]: the output of item i for event e goes to record (e, i)
        data = np.load(os.path.join(workdir, "losses.npz"))
        event_id, output_id, sidx, loss = read_output(out)
        stride = int(data["n_items"]) + 1
        key = data["event"].astype(np.int64) * stride + data["item"]
        dense = np.zeros(data["losses"].shape)
        dense[np.searchsorted(key, event_id.astype(np.int64) * stride + output_id), sidx - 1] = loss
        np.save(os.path.join(workdir, f"{structure}.npy"), dense)
    os.remove(out)
    print(json.dumps(timings))


def main() -> None:
    command, workdir = sys.argv[1], sys.argv[2]
    if command == "prepare":
        prepare(workdir)
    else:
        run(workdir, sys.argv[3], "--keep" in sys.argv)


if __name__ == "__main__":
    main()
