#!/usr/bin/env python3
"""A stand-in for the aws command that serves `aws s3 cp` and `aws s3 sync`
from a local directory, for tests of the AWS Batch entry point.

s3://BUCKET/KEY is the file $AWS_STUB_S3_ROOT/BUCKET/KEY. Every call is
appended to $AWS_STUB_LOG as one line of arguments, so a test can check
that nothing but these two subcommands ran. Any other subcommand, option
or URI scheme is logged, rejected with status 252 (the CLI's usage-error
status) and never passed on to anything that could reach a network.

AWS_STUB_DENY, a glob over s3:// URIs, makes every read or write of a
matching object fail with AccessDenied and status 1, as an IAM policy
that forbids the key would.
"""
import fnmatch
import os
import shutil
import sys

FLAGS_IGNORED = {"--only-show-errors", "--quiet", "--no-progress"}


def usage_error(message):
    sys.stderr.write("aws (stub): %s\n" % message)
    sys.exit(252)


def s3_path(uri):
    """Maps s3://bucket/key to the local file that stores the object."""
    rest = uri[len("s3://"):]
    if not rest or rest.startswith("/") or ".." in rest.split("/"):
        usage_error("invalid S3 URI %r" % uri)
    return os.path.join(os.environ["AWS_STUB_S3_ROOT"], rest)


def check_allowed(uri):
    deny = os.environ.get("AWS_STUB_DENY")
    if deny and fnmatch.fnmatchcase(uri, deny):
        sys.stderr.write("upload failed: An error occurred (AccessDenied) when calling "
                         "the PutObject operation: Access Denied for %s\n" % uri)
        sys.exit(1)


def selected(rel, filters):
    """Applies --exclude and --include in order; the last match decides."""
    keep = True
    for kind, pattern in filters:
        if fnmatch.fnmatchcase(rel, pattern):
            keep = kind == "--include"
    return keep


def list_tree(top):
    found = []
    if not os.path.isdir(top):
        return found
    for directory, _, files in os.walk(top):
        for name in files:
            full = os.path.join(directory, name)
            found.append(os.path.relpath(full, top))
    return sorted(found)


def same_content(source, target):
    if not os.path.exists(target) or os.path.getsize(source) != os.path.getsize(target):
        return False
    with open(source, "rb") as src, open(target, "rb") as dst:
        return src.read() == dst.read()


def copy_one(src, dst, src_uri, dst_uri):
    for uri in (src_uri, dst_uri):
        if uri:
            check_allowed(uri)
    if not os.path.isfile(src):
        sys.stderr.write("fatal error: An error occurred (404) when calling the HeadObject "
                         "operation: Key \"%s\" does not exist\n" % (src_uri or src))
        sys.exit(1)
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    shutil.copyfile(src, dst)


def endpoint(arg):
    """Returns (local path, is_s3) for a source or destination argument."""
    if arg.startswith("s3://"):
        return s3_path(arg), True
    if "://" in arg:
        usage_error("unsupported URI %r" % arg)
    return arg, False


def copy_tree(src, dst, filters, only_changed):
    src_path, src_s3 = endpoint(src)
    dst_path, dst_s3 = endpoint(dst)
    src_base = src.rstrip("/") + "/"
    dst_base = dst.rstrip("/") + "/"
    for rel in list_tree(src_path):
        if not selected(rel, filters):
            continue
        target = os.path.join(dst_path, rel)
        if only_changed and same_content(os.path.join(src_path, rel), target):
            continue
        copy_one(os.path.join(src_path, rel), target,
                 src_base + rel if src_s3 else None, dst_base + rel if dst_s3 else None)


def copy_file(src, dst):
    src_path, src_s3 = endpoint(src)
    dst_path, dst_s3 = endpoint(dst)
    if dst.endswith("/") or os.path.isdir(dst_path):
        name = os.path.basename(src.rstrip("/"))
        dst_path = os.path.join(dst_path, name)
        dst = dst.rstrip("/") + "/" + name
    copy_one(src_path, dst_path, src if src_s3 else None, dst if dst_s3 else None)


def main(argv):
    with open(os.environ["AWS_STUB_LOG"], "a", encoding="utf-8") as log:
        log.write(" ".join(argv) + "\n")
    if len(argv) < 2 or argv[0] != "s3" or argv[1] not in ("cp", "sync"):
        usage_error("only 's3 cp' and 's3 sync' are served here, not %r" % " ".join(argv[:2]))
    command = argv[1]
    recursive = command == "sync"
    filters = []
    paths = []
    args = iter(argv[2:])
    for arg in args:
        if arg in FLAGS_IGNORED:
            continue
        if arg == "--recursive" and command == "cp":
            recursive = True
        elif arg in ("--exclude", "--include"):
            filters.append((arg, next(args, None) or usage_error("%s needs a pattern" % arg)))
        elif arg.startswith("-"):
            usage_error("option %s is not served by the stub" % arg)
        else:
            paths.append(arg)
    if len(paths) != 2:
        usage_error("expected a source and a destination, got %r" % paths)
    if not any(p.startswith("s3://") for p in paths):
        usage_error("neither %r nor %r is an S3 URI" % tuple(paths))
    if recursive:
        copy_tree(paths[0], paths[1], filters, command == "sync")
    else:
        copy_file(paths[0], paths[1])


if __name__ == "__main__":
    main(sys.argv[1:])
