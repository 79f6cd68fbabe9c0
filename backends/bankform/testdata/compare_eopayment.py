#!/usr/bin/env python3
"""Side-by-side throughput of eopayment 3.15 and polypay on the same requests and returns.

    python3 -m venv /tmp/eop && /tmp/eop/bin/pip install eopayment==3.15
    /tmp/eop/bin/python backends/bankform/testdata/compare_eopayment.py [SECONDS]

Run from the repository root. It times eopayment in this process, runs polypay's
`throughput` example (release build) on the same cases (compare_cases.json), and prints
operations per second for both and the ratio. (The Paybox return carries a signature made with
another key than Paybox's: both libraries check it against Paybox's key and reject it, so the
figure is the cost of a full RSA verification.)
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
    for _ in range(20):
        fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            fn()
        n += 20
    return n / (time.perf_counter() - start)


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
    out = subprocess.run(
        ['cargo', 'run', '--quiet', '--release', '-p', 'polypay-bankform', '--example', 'throughput', str(seconds)],
        check=True, capture_output=True, text=True,
    ).stdout
    ours = json.loads(out)
    print(f"{'operation':24} {'eopayment op/s':>15} {'polypay op/s':>15} {'ratio':>8}")
    for name, theirs in eop.items():
        print(f'{name:24} {theirs:15.0f} {ours[name]:15.0f} {ours[name] / theirs:7.0f}x')


if __name__ == '__main__':
    main()
