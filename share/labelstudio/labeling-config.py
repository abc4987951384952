#!/usr/bin/env python3
"""Writes a Label Studio labeling configuration for a JSON Schema.

Usage: labeling-config.py SCHEMA.json > config.xml

The configuration matches the tasks that `ann-merge --format label-studio`
writes. The document's OCR text is shown from the task's "text" member by a
Text tag named "text" (ann-merge's default --to-name). Next to it there is
one TextArea for each field of the answer, named by the field's path inside
"output" as ann-merge exports it: object members joined by "/" (with "~"
written "~0" and "/" written "~1", as in a JSON Pointer), and an array taken
whole, as JSON text. A member that may be null as well as an object gets a
TextArea of its own too, because an answer with null there is exported
under the member's own name.

Local "$ref"s ("#/$defs/...") are followed. Combinators (anyOf, oneOf,
allOf) are not looked into: such a member gets one TextArea for the whole
value.
"""
import json
import sys
from xml.sax.saxutils import quoteattr


def resolve(schema, node):
    """Follows local $refs until node is not one."""
    seen = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise SystemExit("labeling-config: $ref %r is not supported: only local refs"
                             " (#/...) that do not loop are followed" % ref)
        seen.add(ref)
        target = schema
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def types_of(node):
    t = node.get("type") if isinstance(node, dict) else None
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return set(t)
    return set()


def pointer_segment(name):
    return name.replace("~", "~0").replace("/", "~1")


def fields(schema, node, prefix):
    """Yields (path, is_array) for every field ann-merge exports under node."""
    node = resolve(schema, node)
    props = node.get("properties") if isinstance(node, dict) else None
    kinds = types_of(node)

    if not isinstance(props, dict) or (kinds and "object" not in kinds):
        yield prefix, "array" in kinds
        return

    # A nullable object is exported as one field when the answer is null.
    if prefix and "null" in kinds:
        yield prefix, False
    for name, sub in props.items():
        path = pointer_segment(name) if not prefix else prefix + "/" + pointer_segment(name)
        yield from fields(schema, sub, path)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: labeling-config.py SCHEMA.json > config.xml\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)

    out = ["<View>",
           "  <!-- Written by share/labelstudio/labeling-config.py from %s;"
           " regenerate it rather than editing. -->" % argv[1].split("/")[-1],
           "  <Style>.htx-text { white-space: pre-wrap; font-family: monospace; }</Style>",
           '  <View style="display: flex; align-items: flex-start; gap: 16px">',
           '    <View style="flex: 3; max-height: 85vh; overflow-y: auto">',
           '      <Text name="text" value="$text"/>',
           "    </View>",
           '    <View style="flex: 2; max-height: 85vh; overflow-y: auto">']
    for path, is_array in fields(schema, schema, ""):
        rows = "6" if is_array else "1"
        out.append("      <Header value=%s/>" % quoteattr(path))
        out.append('      <TextArea name=%s toName="text" editable="true" maxSubmissions="1" rows="%s"/>'
                   % (quoteattr(path), rows))
    out += ["    </View>", "  </View>", "</View>"]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
