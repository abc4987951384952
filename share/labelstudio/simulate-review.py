#!/usr/bin/env python3
"""Plays the reviewers: turns Label Studio tasks into a Label Studio export.

Usage:
  simulate-review.py TASKS.json [--accept ID] [--correct ID FIELD TEXT]
                     [--skip ID] [--all-tasks] > export.json

TASKS.json is what `ann-merge --format label-studio` wrote. The output is
what Label Studio's JSON export gives after reviewers worked on those tasks
in a project whose labeling configuration has one TextArea per field
(share/labelstudio/labeling-config.py):

  --accept ID               the reviewer opened document ID and submitted
                            the model's answer unchanged
  --correct ID FIELD TEXT   ... and first replaced the text of the field
                            FIELD (the TextArea's name, such as issuer/name)
                            with TEXT; repeat for more fields or documents
  --skip ID                 the reviewer skipped the task: a cancelled
                            annotation
  --all-tasks               also export the tasks nobody annotated, with no
                            annotations, as the export API does with
                            download_all_tasks=true; by default they are
                            left out, as the export in the UI does

ID is the document id (the task's data.id). The members written are the
ones Label Studio's export guide shows for its JSON format ("Label Studio
JSON format of annotated tasks"), plus each result's "origin". Times and
ids are fixed, so the same input gives the same bytes.

No Label Studio is needed; use it to try the round trip, and in tests.
"""
import argparse
import copy
import json
import sys

TIME = "2026-01-15T09:00:00.000000Z"
PROJECT = 1
REVIEWER = 1


def parse_args(argv):
    p = argparse.ArgumentParser(prog="simulate-review.py", add_help=True)
    p.add_argument("tasks")
    p.add_argument("--accept", action="append", default=[], metavar="ID")
    p.add_argument("--correct", action="append", default=[], nargs=3,
                   metavar=("ID", "FIELD", "TEXT"))
    p.add_argument("--skip", action="append", default=[], metavar="ID")
    p.add_argument("--all-tasks", action="store_true")
    return p.parse_args(argv)


def annotation(task_id, result, cancelled):
    return {
        "id": task_id,
        "completed_by": REVIEWER,
        "result": result,
        "was_cancelled": cancelled,
        "ground_truth": False,
        "created_at": TIME,
        "updated_at": TIME,
        "lead_time": 42.0,
        "result_count": 0,
        "task": task_id,
    }


def reviewed_result(prediction, corrections, task_id):
    """Returns the prediction's result as the reviewer submitted it."""
    result = []
    for item in copy.deepcopy(prediction.get("result", [])):
        item["origin"] = "prediction"
        if item["from_name"] in corrections:
            item["value"] = {"text": [corrections.pop(item["from_name"])]}
            item["origin"] = "prediction-changed"
        result.append(item)

    # A field the model left out gets a new result, typed in by hand.
    for n, (field, text) in enumerate(sorted(corrections.items()), 1):
        result.append({"id": "manual-%d-%d" % (task_id, n), "from_name": field,
                       "to_name": "text", "type": "textarea",
                       "value": {"text": [text]}, "origin": "manual"})
    return result


def main(argv):
    args = parse_args(argv)
    with open(args.tasks, encoding="utf-8") as f:
        tasks = json.load(f)

    corrections = {}
    for doc_id, field, text in args.correct:
        corrections.setdefault(doc_id, {})[field] = text
    requested = set(args.accept) | set(corrections) | set(args.skip)
    ids = [t.get("data", {}).get("id") for t in tasks]
    unknown = sorted(requested - set(ids))
    if unknown:
        sys.stderr.write("simulate-review.py: no task for id %s in %s\n"
                         % (", ".join(unknown), args.tasks))
        return 2

    export = []
    for task_id, (task, doc_id) in enumerate(zip(tasks, ids), 1):
        predictions = task.get("predictions", [])
        if doc_id in args.skip:
            annotations = [annotation(task_id, [], True)]
        elif doc_id in args.accept or doc_id in corrections:
            prediction = predictions[0] if predictions else {}
            result = reviewed_result(prediction, dict(corrections.get(doc_id, {})), task_id)
            annotations = [annotation(task_id, result, False)]
        elif args.all_tasks:
            annotations = []
        else:
            continue
        export.append({
            "id": task_id,
            "data": task["data"],
            "created_at": TIME,
            "updated_at": TIME,
            "project": PROJECT,
            "annotations": annotations,
            "predictions": [dict(p, created_ago="1 hour") for p in predictions],
        })

    json.dump(export, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
