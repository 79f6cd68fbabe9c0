#!/usr/bin/env python3
"""Produce known-answer vectors by running eopayment 3.15 as a black box.

Usage (from this directory):

    python3 -m venv /tmp/eop && /tmp/eop/bin/pip install eopayment==3.15
    /tmp/eop/bin/python eopayment_vectors.py > eopayment_vectors.json

Only eopayment's public API is called (``eopayment.Payment(kind, config).request(...)`` and
``.response(...)``); nothing of its code is copied. Where eopayment draws a random value
(SystemPay's ``vads_trans_id``, Paybox's ``PBX_ARCHIVAGE``) the value it drew is read back from
its output and recorded, so that polypay can be given the same value explicitly
(``polypay_extra``) and must then produce the same signed form, byte for byte.

Bank returns for the response vectors are signed here with hashlib/hmac following the
protocol reference (shared/specs/bankform.md); eopayment's reading of them is recorded.
"""

import base64
import hashlib
import hmac
import json
import sys
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlparse

import eopayment

SYSTEMPAY = {
    'secret_test': '1122334455667788',
    'secret_production': 'AABBCCDDEEFF0011',
    'vads_site_id': '12345678',
    'normal_return_url': 'https://shop.example/return',
    'automatic_return_url': 'https://shop.example/notify',
}
SIPS = {'normal_return_url': 'https://shop.example/return', 'automatic_return_url': 'https://shop.example/notify'}
PAYBOX = {
    'platform': 'test',
    'site': '1999888',
    'rang': '32',
    'identifiant': '107904482',
    'shared_secret': '0123456789ABCDEF' * 8,
    'normal_return_url': 'https://shop.example/return',
    'automatic_return_url': 'https://shop.example/notify',
}
OGONE = {
    'environment': 'TEST',
    'pspid': 'polypay',
    'sha_in': 'sécret-in',
    'sha_out': 'sécret-out',
    'normal_return_url': 'https://shop.example/return',
}
TIPI = {'numcli': '123456', 'saisie': 'T', 'automatic_return_url': 'https://town.example/notify'}


def form_result(kind, data):
    if kind == eopayment.URL:
        return {'type': 'redirect', 'url': data}
    return {
        'type': 'form',
        'url': data.url,
        'method': data.method,
        'fields': [[f['name'], f['value']] for f in data.fields],
    }


def field(result, name):
    for n, v in result.get('fields', []):
        if n == name:
            return v
    return None


def request_vector(name, backend, config, request, polypay_extra=None, read_back=()):
    """Runs one request; `read_back` names fields whose random value polypay must be given."""
    args = dict(request)
    amount = Decimal(args.pop('amount'))
    tid, kind, data = eopayment.Payment(backend, dict(config)).request(amount, **args)
    result = form_result(kind, data)
    extra = dict(polypay_extra or {})
    for f in read_back:
        extra[f] = field(result, f)
    return {
        'name': name,
        'kind': backend,
        'config': config,
        'request': request,
        'polypay_extra': extra,
        'eopayment': {'id': tid, **result},
    }


def systempay_sign(fields, secret, algo):
    s = '+'.join(v for k, v in sorted(fields.items()) if k.startswith('vads_')) + '+' + secret
    if algo == 'sha1':
        return hashlib.sha1(s.encode()).hexdigest()
    return base64.b64encode(hmac.new(secret.encode(), s.encode(), hashlib.sha256).digest()).decode()


def response_vector(name, backend, config, query):
    r = eopayment.Payment(backend, dict(config)).response(query)
    return {
        'name': name,
        'kind': backend,
        'config': config,
        'query': query,
        'eopayment': {
            'result': r.result,
            'signed': bool(r.signed),
            'order_id': r.order_id,
            'transaction_id': r.transaction_id,
            'test': bool(r.test),
            'transaction_date': r.transaction_date.isoformat() if r.transaction_date else None,
        },
    }


def requests_():
    out = []
    for algo in ('sha1', 'hmac_sha256'):
        cfg = dict(SYSTEMPAY, signature_algo=algo)
        out.append(request_vector(
            f'systempay {algo} full', 'systempayv2', cfg,
            {'amount': '15.24', 'email': 'buyer@example.com', 'orderid': 'order-42', 'first_name': 'Jean Michél',
             'last_name': 'Mihaï', 'vads_trans_date': '20240501100000', 'capture_day': '3', 'manual_validation': True},
            {'vads_trans_date': '20240501100000'}, read_back=['vads_trans_id']))
    out.append(request_vector(
        'systempay caller id, production', 'systempayv2', dict(SYSTEMPAY, vads_ctx_mode='PRODUCTION'),
        {'amount': '0.01', 'transaction_id': 'mytx1', 'vads_trans_date': '20240501100000'},
        {'vads_trans_date': '20240501100000'}, read_back=['vads_trans_id']))
    out.append(request_vector(
        'payzen minimal', 'payzen', dict(SYSTEMPAY, signature_algo='hmac_sha256'),
        {'amount': '1999.99', 'vads_trans_date': '20240102030405'},
        {'vads_trans_date': '20240102030405'}, read_back=['vads_trans_id']))
    out.append(request_vector(
        'sips2 full', 'sips2', dict(SIPS, capture_day='2', payment_means='CB,VISA'),
        {'amount': '10.00', 'transaction_id': 'abc123', 'orderid': 'order42', 'info1': 'Invoice 42',
         'email': 'buyer@example.com'}))
    out.append(request_vector('sips2 small amount', 'sips2', SIPS, {'amount': '0.50', 'transaction_id': 'tx050'}))
    out.append(request_vector('sips2 request capture day', 'sips2', SIPS,
                              {'amount': '7.00', 'transaction_id': 'tx7', 'capture_day': '5'}))
    out.append(request_vector(
        'paybox full', 'paybox', PAYBOX,
        {'amount': '19.99', 'email': 'buyer@example.com', 'orderid': '20160216', 'transaction_id': '1234',
         'time': '2024-05-01T12:00:00+02:00', 'total_quantity': '2', 'first_name': 'Kyan <oo>',
         'last_name': 'Khojandi', 'address1': '169 rue du Château', 'zipcode': '75014', 'city': 'Paris',
         'country_code': 250, 'capture_day': '7'},
        {'time': '2024-05-01T12:00:00+02:00', 'total_quantity': '2', 'zipcode': '75014', 'city': 'Paris',
         'country_code': '250'}, read_back=['PBX_ARCHIVAGE']))
    out.append(request_vector(
        'paybox authorisation only', 'paybox', dict(PAYBOX, capture_mode='AUTHOR_CAPTURE'),
        {'amount': '0.25', 'email': 'buyer@example.com', 'transaction_id': 'tx25', 'time': '2024-05-01T12:00:00+02:00'},
        {'time': '2024-05-01T12:00:00+02:00'}, read_back=['PBX_ARCHIVAGE']))
    for algo in ('sha1', 'sha256', 'sha512'):
        out.append(request_vector(
            f'ogone {algo}', 'ogone', dict(OGONE, hash_algorithm=algo),
            {'amount': '42.42', 'transaction_id': 'complus42', 'orderid': 'my ordér', 'email': 'foo@example.com',
             'name': 'Jean Mihaï'}))
    out.append(request_vector(
        'tipi full', 'tipi', TIPI,
        {'amount': '123.12', 'email': 'info@entrouvert.com', 'refdet': '999900000000999999', 'exer': '2024',
         'objet': 'tout a fait'}))
    out.append(request_vector(
        'tipi order id as refdet', 'tipi', TIPI,
        {'amount': '9999.99', 'email': 'info@entrouvert.com', 'orderid': 'F121212', 'saisie': 'A'}))
    return out


def responses_():
    out = []
    base = {'vads_amount': '1042', 'vads_auth_mode': 'FULL', 'vads_auth_number': '3feadf', 'vads_ctx_mode': 'TEST',
            'vads_currency': '978', 'vads_site_id': '12345678', 'vads_trans_date': '20240501100000',
            'vads_trans_id': 'AbCd12', 'vads_effective_creation_date': '20240501100130'}
    cases = [('paid', {'vads_result': '00', 'vads_auth_result': '00'}),
             ('refused', {'vads_result': '05', 'vads_auth_result': '05'}),
             ('cancelled', {'vads_result': '17', 'vads_auth_result': '17'}),
             ('error with refusal', {'vads_result': '02', 'vads_auth_result': '05'}),
             ('authorised to validate', {'vads_result': '00', 'vads_auth_result': '00',
                                         'vads_trans_status': 'AUTHORISED_TO_VALIDATE'}),
             ('caller id', {'vads_result': '00', 'vads_auth_result': '00',
                            'vads_ext_info_eopayment_trans_id': 'mytx1'})]
    for algo in ('sha1', 'hmac_sha256'):
        cfg = dict(SYSTEMPAY, signature_algo=algo)
        for label, extra in cases:
            fields = dict(base, **extra)
            fields['signature'] = systempay_sign(fields, SYSTEMPAY['secret_test'], algo)
            out.append(response_vector(f'systempay {algo} {label}', 'systempayv2', cfg, urlencode(fields)))
        fields = dict(base, vads_result='00', vads_auth_result='00', signature='0' * 40)
        out.append(response_vector(f'systempay {algo} forged', 'systempayv2', cfg, urlencode(fields)))
    key = '002001000000001_KEY1'
    for code in ('00', '05', '17', '60', '97'):
        data = ('captureDay=0|captureMode=AUTHOR_CAPTURE|currencyCode=978|merchantId=002001000000001|'
                f'responseCode={code}|transactionDateTime=2024-05-01T12:00:00+02:00|transactionReference=abc123|'
                'keyVersion=1|amount=1000|authorisationId=4242')
        seal = hashlib.sha256((data + key).encode()).hexdigest()
        q = urlencode({'Data': data, 'Seal': seal, 'InterfaceVersion': 'HP_2.3'})
        out.append(response_vector(f'sips2 {code}', 'sips2', SIPS, q))
    for status in ('9', '5', '2', '1', '41', '93'):
        fields = {'orderID': 'order42', 'COMPLUS': 'complus42', 'currency': 'EUR', 'amount': '42.42', 'PM': 'CreditCard',
                  'STATUS': status, 'CN': 'Mihaï', 'PAYID': '3011228911', 'NCERROR': '0'}
        s = ''.join(f'{k.upper()}={v}sécret-out' for k, v in sorted(fields.items(), key=lambda kv: kv[0].upper()) if v)
        fields['SHASIGN'] = hashlib.sha1(s.encode('iso-8859-1')).hexdigest().upper()
        q = urlencode({k: v.encode('iso-8859-1') for k, v in fields.items()})
        out.append(response_vector(f'ogone {status}', 'ogone', OGONE, q))
    for code in ('P', 'R', 'A', 'V'):
        q = urlencode({'refdet': '999900000000999999', 'resultrans': code, 'montant': '12312', 'saisie': 'T',
                       'numcli': '123456'})
        out.append(response_vector(f'tipi {code}', 'tipi', TIPI, q))
    return out


if __name__ == '__main__':
    json.dump({'eopayment': '3.15', 'requests': requests_(), 'responses': responses_()}, sys.stdout,
              indent=1, ensure_ascii=False)
    sys.stdout.write('\n')
