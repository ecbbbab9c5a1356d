"""Run the new cue checks (not yet in this worktree's lint) on chosen task files.
Usage: /work/wt-bank/.venv/bin/python /work/briefs/cuecheck.py I7 I8 ...   (no args: whole bank)"""
import importlib.util, sys
from collections import Counter
spec = importlib.util.spec_from_file_location("cues", "/work/briefs/cues_snapshot.py")
cues = importlib.util.module_from_spec(spec); spec.loader.exec_module(cues)
from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint
b = load_bank(None, load_blueprint(), use_cache=False)
want = set(sys.argv[1:])
c = Counter(); n = 0
for q in b.questions:
    if want and q.task not in want: continue
    n += 1
    for check, msg in cues.item_cues(q):
        c[check] += 1; print(f"{q.id}: {check}: {msg}")
print(f"{n} items; " + ", ".join(f"{k} {v}" for k, v in c.items()) if c else f"{n} items; no cue findings")
