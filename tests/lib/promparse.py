#!/usr/bin/env python3
"""promparse.py -- read Prometheus's text exposition format on stdin with
the Prometheus project's own Python client parser
(prometheus_client.parser, Debian's python3-prometheus-client) and print
one line per sample:

    NAME TYPE LABEL=VALUE,... VALUE

Exit 1, with the parser's complaint on stderr, when the text does not
parse, or when a family has no HELP text or no TYPE (the parser then calls
it "unknown")."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = sys.stdin.read()
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and others
        print("promparse: %s" % e, file=sys.stderr)
        return 1
    bad = 0
    for fam in families:
        if fam.type == "unknown" or not fam.documentation:
            print("promparse: %s has no TYPE or no HELP" % fam.name, file=sys.stderr)
            bad = 1
        for s in fam.samples:
            labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
            value = int(s.value) if s.value == int(s.value) else s.value
            print("%s %s %s %s" % (s.name, fam.type, labels, value))
    return bad


if __name__ == "__main__":
    sys.exit(main())
