#!/usr/bin/env python3
"""Side-by-side throughput of eopayment 3.15 and polypay on the same requests and returns.

    python3 -m venv /tmp/eop && /tmp/eop/bin/pip install eopayment==3.15
    /tmp/eop/bin/python backends/bankform/testdata/compare_eopayment.py [SECONDS]

Run from the repository root. It times eopayment in this process, runs polypay's
`throughput` example (release build) on the same cases (compare_cases.json), and prints
operations per second for both and the ratio. (The Paybox return carries a signature made with
another key than Paybox's: both libraries check it against Paybox's key and reject it, so the
figure is the cost of full RSA verifications: one for eopayment, two for polypay, which tries
the raw text, then eopayment's re-encoding of the values.)

Both sides are timed the same way: the fastest of many short batches (about 1 ms here, 200 µs
in the example). On a shared machine a preempted batch is slower, never faster, so the fastest
batches measure the code rather than its neighbours, and the ratio stays stable from run to
run. Set POLYPAY_THROUGHPUT to a prebuilt `throughput` binary to compare another build.
"""

import json
import os
import subprocess
import sys
import time
from decimal import Decimal

import eopayment

HERE = os.path.dirname(os.path.abspath(__file__))


def rate(seconds, fn):
    # Warm up, and size batches to about 1 ms.
    start = time.perf_counter()
    for _ in range(20):
        fn()
    batch = max(1, int(1e-3 / ((time.perf_counter() - start) / 20)))
    best, start = float('inf'), time.perf_counter()
    while time.perf_counter() - start < seconds:
        t = time.perf_counter()
        for _ in range(batch):
            fn()
        best = min(best, (time.perf_counter() - t) / batch)
    return 1 / best


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    cases = json.load(open(os.path.join(HERE, 'compare_cases.json')))
    eop = {}
    for case in cases:
        kind, config = case['kind'], dict(case['config'])
        backend = eopayment.Payment(kind, config)
        amount = Decimal(case['amount'])
        kwargs = {'email': 'buyer@example.com', 'orderid': 'order42', 'transaction_id': case['transaction_id']}
        if kind == 'tipi':
            kwargs = {'email': 'buyer@example.com', 'refdet': case['transaction_id'],
                      'urlcl': config['automatic_return_url']}

        def request():
            backend.request(amount, **kwargs)

        def response():
            try:
                backend.response(case['return'])
            except eopayment.ResponseError:
                pass

        eop[f'{kind}/request'] = rate(seconds, request)
        eop[f'{kind}/response'] = rate(seconds, response)
    command = ['cargo', 'run', '--quiet', '--release', '-p', 'polypay-bankform', '--example', 'throughput']
    if os.environ.get('POLYPAY_THROUGHPUT'):
        command = [os.environ['POLYPAY_THROUGHPUT']]
    out = subprocess.run(command + [str(seconds)], check=True, capture_output=True, text=True).stdout
    ours = json.loads(out)
    print(f"{'operation':24} {'eopayment op/s':>15} {'polypay op/s':>15} {'ratio':>8} {'polypay':>10}")
    for name, theirs in eop.items():
        print(f'{name:24} {theirs:15.0f} {ours[name]:15.0f} {ours[name] / theirs:7.0f}x'
              f' {1e6 / ours[name]:7.2f} µs')


if __name__ == '__main__':
    main()
