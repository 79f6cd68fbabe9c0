#!/usr/bin/env python3
"""Writes the hand-picked seed corpora of the fuzz targets (fuzz/corpus/<target>/).

Each seed is a real protocol example: the eopayment vectors of backends/bankform/testdata, the
published Sips 2.0 return, returns signed the way each bank signs them (with the test keys of
the backends' own tests), GNU Taler merchant-backend answers in the shapes of
backends/taler's tests, plugin wire v1 messages, Esplora / Bitcoin Core / Chainside answers and
signed Chainside callbacks in the shapes of backends/crypto's simulators and tests. Run it from
anywhere; it rewrites the seeds.
Needs python3 and the openssl command (Paybox's RSA-SHA1 signature).
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TESTDATA = os.path.join(ROOT, "backends", "bankform", "testdata")


def compact(value):
    """JSON as serde_json writes it: no whitespace, keys in the given order."""
    return json.dumps(value, separators=(",", ":"))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def slug(name):
    return "".join(c if c.isalnum() else "_" for c in name)


# --- bank forms: the eopayment vectors ------------------------------------------------------
vectors = json.load(open(os.path.join(TESTDATA, "eopayment_vectors.json")))
target_of = {
    "systempayv2": "bankform_systempay",
    "payzen": "bankform_systempay",
    "sips2": "bankform_sips2",
    "ogone": "bankform_ogone",
    "tipi": "bankform_tipi",
}
for v in vectors["responses"]:
    write(target_of[v["kind"]], slug(v["name"]), v["query"])

# The published Sips 2.0 return (eopayment tests/test_sips2.py), as posted.
SIPS_RETURN = (
    "Data=captureDay%3D0%7CcaptureMode%3DAUTHOR_CAPTURE%7CcurrencyCode%3D978%7CmerchantId%3D"
    "002001000000001%7CorderChannel%3DINTERNET%7CresponseCode%3D00%7CtransactionDateTime%3D"
    "2016-02-01T17%3A44%3A20%2B01%3A00%7CtransactionReference%3D668930%7CkeyVersion%3D1%7C"
    "acquirerResponseCode%3D00%7Camount%3D1200%7CauthorisationId%3D12345%7CcardCSCResultCode"
    "%3D4E%7CpanExpiryDate%3D201605%7CpaymentMeanBrand%3DMASTERCARD%7CpaymentMeanType%3DCARD"
    "%7CcustomerIpAddress%3D82.244.203.243%7CmaskedPan%3D5100%23%23%23%23%23%23%23%23%23%23"
    "%23%2300%7CorderId%3Dd4903de7027f4d56ac01634fd7ab9526%7CholderAuthentRelegation%3DN%7C"
    "holderAuthentStatus%3D3D_ERROR%7CtransactionOrigin%3DINTERNET%7CpaymentPattern%3DONE_SHOT"
    "&Seal=6ca3247765a19b45d25ad54ef4076483e7d55583166bd5ac9c64357aac097602"
    "&InterfaceVersion=HP_2.0&Encode="
)
write("bankform_sips2", "published_return", SIPS_RETURN)
# An HMAC-SHA-256 sealed return (SealAlgorithm named in the return).
SIPS_KEY = b"002001000000001_KEY1"
data = ("captureDay=0|captureMode=AUTHOR_CAPTURE|currencyCode=978|merchantId=002001000000001|"
        "responseCode=00|transactionDateTime=2024-05-01T12:00:00+02:00|transactionReference=abc123|"
        "keyVersion=1|amount=1000|authorisationId=4242")
seal = hmac.new(SIPS_KEY, data.encode(), hashlib.sha256).hexdigest()
write("bankform_sips2", "hmac_return", urllib.parse.urlencode(
    {"Data": data, "Seal": seal, "InterfaceVersion": "HP_2.3", "SealAlgorithm": "HMAC-SHA-256"}))
# Office server answers (JSON, sealed with HMAC-SHA-256 over the sorted values).
def office(answer):
    keys = sorted(k for k in answer if k not in ("keyVersion", "sealAlgorithm", "seal"))
    text = "".join(answer[k] if isinstance(answer[k], str) else json.dumps(answer[k]) for k in keys)
    answer = dict(answer)
    answer["seal"] = hmac.new(SIPS_KEY, text.encode(), hashlib.sha256).hexdigest()
    return json.dumps(answer, separators=(",", ":"))
write("bankform_sips2", "office_validate_ok",
      "200\n" + office({"responseCode": "00", "operationDateTime": "2020-01-01T12:00:00+01:00"}))
write("bankform_sips2", "office_status",
      "200\n" + office({"responseCode": "00", "transactionStatus": "TO_VALIDATE", "amount": 1200,
                        "currencyCode": "978"}))
write("bankform_sips2", "office_refused", '200\n{"responseCode":"24"}')

# --- Paybox: returns signed with the test key, Paybox Direct answers -------------------------
PAYBOX_RETURN = ("montant=4242&reference=1234!20160216&code_autorisation=XXXXXX&erreur=00000"
                 "&numero_appel=30310733&numero_transaction=13957441&date_transaction=20200101"
                 "&heure_transaction=01:01:01")
def paybox_sign(query):
    sig = subprocess.run(
        ["openssl", "dgst", "-sha1", "-sign", os.path.join(TESTDATA, "paybox_test_key.pem")],
        input=query.encode(), capture_output=True, check=True).stdout
    return query + "&signature=" + urllib.parse.quote(base64.b64encode(sig), safe="")
write("bankform_paybox", "signed_paid", paybox_sign(PAYBOX_RETURN))
write("bankform_paybox", "signed_refused", paybox_sign(PAYBOX_RETURN.replace("erreur=00000", "erreur=00105")))
write("bankform_paybox", "unsigned", "montant=4242&reference=1234%2120160216&code_autorisation=A"
      "&erreur=00000&date_transaction=20200101&heure_transaction=01%3A01%3A01")
write("bankform_paybox", "direct_ok", "200\n".encode() + (
    "NUMTRANS=0013989865&NUMAPPEL=0030378572&NUMQUESTION=0013989862&SITE=1999888&RANG=32"
    "&AUTORISATION=XXXXXX&CODEREPONSE=00000&COMMENTAIRE=Demande trait\u00e9e avec succ\u00e8s"
    "&REFABONNE=&PORTEUR=").encode("latin-1"))
write("bankform_paybox", "direct_not_found",
      "200\nCODEREPONSE=00015&COMMENTAIRE=PAYBOX : Transaction non trouv%E9e")

# --- dummy: returns signed with the target's secret (HMAC-SHA-256 over the sorted fields) ----
def dummy_sign(pairs, secret=b"fuzz-dummy-secret"):
    canonical = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    sig = hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()
    return urllib.parse.urlencode(pairs + [("sig", sig)])
write("dummy_response", "paid", dummy_sign([
    ("transaction_id", "t1"), ("amount", "10.00"), ("currency", "EUR"), ("result", "paid"),
    ("ok", "1"), ("signed", "1"), ("test", "1"), ("date", "2024-05-01T10:00:00Z")]))
write("dummy_response", "refunded", dummy_sign([
    ("transaction_id", "t2"), ("amount", "10.00"), ("refunded_amount", "4.50"),
    ("result", "refunded"), ("signed", "1")]))
write("dummy_response", "denied", dummy_sign([
    ("transaction_id", "t3"), ("amount", "1.00"), ("result", "denied"), ("reason", "card refused"),
    ("capture_deadline", "2024-05-08T10:00:00Z")]))
write("dummy_response", "forged", "transaction_id=t1&amount=10.00&result=paid&ok=1&signed=1")

# --- GNU Taler merchant backend replies (first byte: the operation) --------------------------
CONFIG = json.dumps({"version": "20:0:8", "name": "taler-merchant", "currency": "EUR"})
def order(status, **extra):
    o = {"order_status": status}
    o.update(extra)
    return json.dumps(o)
PAID = order("paid", refunded=False, refund_pending=False, wired=False, deposit_total="EUR:4.99",
             exchange_code=0, exchange_http_status=0, refund_amount="EUR:0",
             last_payment={"t_s": 1800000000},
             contract_terms={"order_id": "O1", "amount": "EUR:5", "summary": "x",
                             "pay_deadline": {"t_s": 1800000000}},
             wire_details=[], wire_reports=[], refund_details=[],
             order_status_url="https://backend.example.com/instances/shop/orders/O1")
REFUNDED = PAID.replace('"refunded": false', '"refunded": true').replace(
    '"refund_amount": "EUR:0"', '"refund_amount": "EUR:1.50"')
UNPAID = order("unpaid", taler_pay_uri="taler://pay/backend.example.com/instances/shop/O1/?c=TOK",
               order_status_url="https://backend.example.com/instances/shop/orders/O1?token=TOK",
               creation_time={"t_s": 1700000000}, summary="x", total_amount="EUR:5")
CLAIMED = order("claimed", contract_terms={"order_id": "O1", "amount": "EUR:5",
                                           "pay_deadline": {"t_s": 1700000000}},
                order_status_url="https://backend.example.com/instances/shop/orders/O1")
UNKNOWN = '404\n{"code": 2005, "hint": "MERCHANT_GENERIC_ORDER_UNKNOWN"}'
SEP = "\n--\n"
taler = {
    "status_paid": "0" + PAID,
    "status_refunded": "0" + REFUNDED,
    "status_unpaid": "1" + UNPAID,
    "status_claimed": "0" + CLAIMED,
    "status_unknown": "1" + UNKNOWN,
    "request_created": "2" + '200\n{"order_id": "O1", "token": "TOK"}',
    "request_conflict": "3" + '409\n{"code": 2000, "hint": "order exists"}',
    "refund": "4" + PAID + SEP + '200\n{"taler_refund_uri": "taler://refund/backend.example.com/instances/shop/O1/", "h_contract": "ABC"}',
    "refund_forbidden": "4" + PAID + SEP + '403\n{"code": 2532, "hint": "refunds not allowed"}',
    "cancel": "5" + "204\n",
    "cancel_claimed": "5" + '409\n{"code": 2170, "hint": "claimed"}',
    "webhook_confirm": "6" + PAID,
    "config_then_status": "8" + CONFIG + SEP + PAID,
    "config_old": "8" + json.dumps({"version": "3:0:0", "name": "taler-merchant"}),
    "token_then_status": "9" + '200\n{"access_token": "secret-token:abc", "scope": "write", "expiration": {"t_s": 1900000000}, "refreshable": false}' + SEP + PAID,
    "token_expired": "9" + "401\n" + SEP + PAID,
}
for name, data in taler.items():
    write("taler_reply", name, data)

write("taler_webhook", "fulfillment_get", "order_id=O1")
write("taler_webhook", "webhook_json", json.dumps({"event_type": "order_paid", "order_id": "O1"}))
write("taler_webhook", "webhook_form", "order_id=O1&event_type=order_paid")
write("taler_webhook", "split_query_body", "session_id=S1\norder_id=O1")

# --- amounts ---------------------------------------------------------------------------------
for i, a in enumerate(["EUR:10.00", "10.50 EUR", "EUR 10.5", "KUDOS:1.23456789", "BTC:0.00000001",
                       "JPY:100", "4503599627370496.00 EUR", "\x04EUR:0.01", "\x0cKUDOS:7",
                       "eur:0", "USD:1.000"]):
    write("amount", f"amount_{i}", a)

# --- configuration files ---------------------------------------------------------------------
write("config_toml", "dummy", '[backends.test]\nkind = "dummy"\n'
      'normal_return_url = "https://shop.example/return"\nsecret = "change me"\n')
write("config_toml", "several", '''production = false

[http]
timeout_seconds = 30
allow_http = false

[backends.cards]
kind = "systempayv2"
vads_site_id = "12345678"
secret_test = { env = "SYSTEMPAY_SECRET_TEST" }
normal_return_url = "https://shop.example/return"
signature_algo = "hmac_sha256"

[backends.sips]
kind = "sips2"
normal_return_url = "https://shop.example/return"

[backends.town]
kind = "tipi"
numcli = "123456"
saisie = "T"

[backends.gnu]
kind = "taler"
base_url = "https://backend.example.com/"
token = "secret-token:sandbox"
''')
write("config_toml", "paybox_ogone", '''[backends.pb]
kind = "paybox"
site = "1999888"
rang = "32"
identifiant = "107904482"
shared_secret = "0123456789ABCDEF"
normal_return_url = "https://shop.example/return"

[backends.og]
kind = "ogone"
environment = "TEST"
pspid = "polypay"
sha_in = "in"
sha_out = "out"
normal_return_url = "https://shop.example/return"
''')

# --- plugin wire v1, host -> plugin ----------------------------------------------------------
NOW = "2024-05-01T10:00:00Z"
ENTROPY = "07" * 32
def call(instance, operation, inp, prior=None):
    m = {"message": "call", "instance": instance, "operation": operation, "input": inp,
         "now": NOW, "entropy": ENTROPY}
    if prior is not None:
        m["prior"] = prior
    return json.dumps(m)
wire = {
    "describe": json.dumps({"message": "describe"}),
    "open": json.dumps({"message": "open", "kind": "dummy",
                        "config": {"normal_return_url": "https://shop.example/r"}}),
    "close": json.dumps({"message": "close", "instance": 1}),
    "call_request": call(1, "request", {"amount": "EUR:10.00", "order_id": "o1"}),
    "call_response": call(1, "response", {"method": "GET", "query": dummy_sign([
        ("transaction_id", "t1"), ("amount", "10.00"), ("result", "paid"), ("signed", "1")])}),
    "call_response_systempay": call(2, "response", {"method": "GET", "query": vectors["responses"][0]["query"]}),
    "call_status": call(1, "status", {"transaction_id": "t1"}),
    "call_refund": call(1, "refund", {"transaction_id": "t1", "amount": "EUR:1.00"}),
    "call_sips_status_prior": call(3, "status", {"transaction_id": "668930"}, {
        "state": {"op": "status"}, "response": {"status": 200, "headers": [],
        "body": {"text": '{"responseCode":"00"}'}}}),
    "call_guess": json.dumps({"message": "call", "instance": 2, "operation": "guess",
                              "input": {"method": "POST", "body": list(b"vads_trans_id=1")}}),
    "call_base64_body": call(1, "response", {"method": "POST", "body": [0, 255]}, {
        "state": None, "response": {"status": 500, "body": {"base64": "/wA="}}}),
    # Since 1.1: an incoming body as text (base64 when not UTF-8), and configuration warnings.
    "call_response_text_body": call(1, "response", {"method": "POST", "query": "",
        "headers": [["content-type", "application/x-www-form-urlencoded"]],
        "body": dummy_sign([("transaction_id", "t1"), ("amount", "10.00"), ("result", "paid"),
                            ("signed", "1")])}),
    "call_guess_base64_body": json.dumps({"message": "call", "instance": 2, "operation": "guess",
        "input": {"method": "POST", "query": "", "headers": [],
                  "body": {"base64": base64.b64encode(b"vads_trans_id=1\xff").decode()}}}),
    "warnings": json.dumps({"message": "warnings", "kind": "systempayv2",
        "config": {"vads_site_id": "12345678", "secret_test": "1122334455667788",
                   "normal_return_url": "https://shop.example/return", "signature_algo": "sha1"}}),
    # The exact shape a host of this version writes for a bank return (compact, fields in its
    # order, 1.1's clock): what the plugin's fast reader takes (anything else goes to serde).
    "call_response_host_shape": compact({"message": "call", "instance": 1,
        "operation": "response", "input": {"method": "POST", "query": "",
        "headers": [["content-type", "application/x-www-form-urlencoded"]],
        "body": dummy_sign([("transaction_id", "t1"), ("amount", "10.00"), ("result", "paid"),
                            ("signed", "1")])},
        "now_unix": [1714557600, 0], "entropy": "07" * 32}),
    "call_guess_host_shape": compact({"message": "call", "instance": 2, "operation": "guess",
        "input": {"method": "GET", "query": "vads_trans_id=1", "headers": []}}),
}
for name, data in wire.items():
    write("plugin_wire_request", name, data)

# --- plugin wire v1, plugin -> host (first byte: which message gets this reply) --------------
replies = {
    "describe": "0" + json.dumps({"ok": {"name": "p", "version": "1", "api_version": "0.1.0",
        "panic_strategy": "unwind", "backends": [{"kind": "manual", "caption": "Manual",
        "config_schema": {"type": "object", "properties": {"iban": {"type": "string"}},
                          "required": ["iban"]},
        "transaction_schema": {"type": "object"},
        "capabilities": {"operations": ["request", "response"]}}]}}),
    "describe_abort": "0" + json.dumps({"ok": {"name": "p", "version": "1", "api_version": "0",
        "panic_strategy": "abort", "backends": []}}),
    "open": "1" + json.dumps({"ok": {"instance": 7, "capabilities": {"operations": ["request"]}}}),
    "open_config_error": "1" + json.dumps({"error": {"kind": "config", "message": "bad",
        "details": {"fields": [{"field": "iban", "message": "required"}]}}}),
    "response_done": "2" + json.dumps({"ok": {"done": {"status": "paid", "verified": True,
        "transaction_id": "t1", "amount": "10.00", "currency": "EUR"}}}),
    "response_unverified_paid": "2" + json.dumps({"ok": {"done": {"status": "paid", "verified": False}}}),
    "status_http": "3" + json.dumps({"ok": {"http": {"request": {"method": "GET",
        "url": "https://bank.example/status", "headers": [{"name": "A", "value": "b", "sensitive": True}],
        "body": {"text": ""}, "extra_timeout_ms": 1000, "idempotent": True}, "state": {"n": 1}}}}),
    "refund_provider_error": "4" + json.dumps({"error": {"kind": "provider", "message": "down",
        "details": {"status": 502, "code": "E1", "text": "down"}}}),
    "cancel_unsupported": "5" + json.dumps({"error": {"kind": "unsupported", "message": "no",
        "details": {"backend": "p", "operation": "cancel"}}}),
    "validate_integrity": "6" + json.dumps({"error": {"kind": "integrity", "message": "x",
        "details": {"field": "amount", "expected": "1", "found": "2"}}}),
    "request_form": "7" + json.dumps({"ok": {"done": {"transaction_id": "t1", "action": {"form": {
        "url": "https://bank.example/pay", "method": "POST", "fields": [["a", "1"]]}}}}}),
    "guess": "8" + json.dumps({"ok": "t1"}),
    # Since 1.1: the reply to `warnings`.
    "warnings": "9" + json.dumps({"ok": [{"field": "signature_algo", "message": "SHA-1 is weak"}]}),
    # The exact shape the plugin's writer produces: what the host's fast reader takes.
    "response_done_writer_shape": "2" + compact({"ok": {"done": {"status": "paid",
        "verified": True, "transaction_id": "t1", "order_id": "t1", "amount": "10.00",
        "currency": "EUR", "bank_status": "payment accepted", "bank_data": {
            "transaction_id": "t1", "amount": "10.00", "result": "paid", "signed": "1"},
        "return_content": {"status": 200, "content_type": "text/plain; charset=utf-8",
                           "body": "signature ok"}, "test": True,
        "transaction_date": "2024-05-01T10:00:00Z"}}}),
    "response_claimed_writer_shape": "2" + compact({"ok": {"done": {"status": "waiting",
        "verified": False, "claimed_status": "paid", "transaction_id": None, "order_id": None,
        "amount": "1.50", "currency": "EUR", "refunded_amount": "0.50", "bank_status": None,
        "bank_data": {}, "return_content": None, "test": False, "transaction_date": None}}}),
}
for name, data in replies.items():
    write("plugin_wire_reply", name, data)

# --- bitcoin: Esplora and Bitcoin Core replies (first byte: the scenario) --------------------
# Scenario bits (fuzz/src/bitcoin.rs): bit 0 the payment (0: EUR 10.00 = 16667 sat to A0,
# 1: BTC 0.0015 to A1), bits 1-2 when it is polled (10:01, 10:14, 10:40, the next day; the
# window is 10:00-10:15), bit 3 an earlier poll saw txids 01.. and 02.. at 10:02, bit 4 a
# plain-HTTP source on another host (never verified). Shapes: backends/crypto's simulators.
A0 = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
A1 = "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"
OTHER_ADDRESS = "bc1qm97vqzgj934vnaq9s53ynkyf9dgr05rargr04n"
T0 = 1714557600  # 2024-05-01T10:00:00Z
TIP = 840000


def esplora_tx(n, outputs, height=None, full=True):
    tx = {"txid": "%02x" % n * 32, "vout": [
        dict({"scriptpubkey_address": a, "value": v},
             **({"scriptpubkey": "0014" + "00" * 20, "scriptpubkey_asm": "",
                 "scriptpubkey_type": "v0_p2wpkh"} if full else {}))
        for a, v in outputs]}
    if height is None:
        tx["status"] = {"confirmed": False}
    else:
        tx["status"] = {"confirmed": True, "block_height": height, "block_hash": "00" * 32,
                        "block_time": T0 + 300}
    if full:
        tx.update({"version": 2, "locktime": 0, "size": 222, "weight": 561, "fee": 1410,
                   "vin": [{"txid": "00" * 32, "vout": 0, "prevout": None, "scriptsig": "",
                            "scriptsig_asm": "", "witness": [], "is_coinbase": False,
                            "sequence": 4294967293}]})
    return tx


def js(v):
    return json.dumps(v, separators=(",", ":"))


esplora = {
    "unpaid": (0, [js([]), str(TIP)]),
    "in_mempool": (0, [js([esplora_tx(1, [(A0, 16667), (OTHER_ADDRESS, 50000)])]), "200\n%d\n" % TIP]),
    "partial": (2, [js([esplora_tx(1, [(A0, 10000)])]), str(TIP)]),
    "paid_in_window": (0, [js([esplora_tx(1, [(A0, 16667)], TIP - 1)]), str(TIP)]),
    "paid_two_outputs": (0, [js([esplora_tx(1, [(A0, 6667), (A0, 10000)], TIP - 5)]), str(TIP)]),
    "paid_after_seen": (4 | 8, [js([esplora_tx(1, [(A0, 16667)], TIP - 2)]), str(TIP)]),
    "overpaid": (0, [js([esplora_tx(1, [(A0, 20000)], TIP - 3), esplora_tx(2, [(A0, 1)])]), str(TIP)]),
    "one_confirmation": (0, [js([esplora_tx(1, [(A0, 16667)], TIP)]), str(TIP)]),
    "paid_late": (4, [js([esplora_tx(1, [(A0, 16667)], TIP - 2)]), str(TIP)]),
    "underpaid_expired": (6 | 8, [js([esplora_tx(1, [(A0, 5000)], TIP - 100)]), str(TIP)]),
    "other_address": (0, [js([esplora_tx(1, [(OTHER_ADDRESS, 16667)], TIP - 2)]), str(TIP)]),
    "btc_paid": (1, [js([esplora_tx(3, [(A1, 150000)], TIP - 4)]), str(TIP)]),
    "vanished": (2 | 8, [js([]), str(TIP)]),
    "plain_http_paid": (16, [js([esplora_tx(1, [(A0, 16667)], TIP - 1)]), str(TIP)]),
    "paging": (0, [js([esplora_tx(0x40 + i, [(A0, 100)], TIP - 10 - i, full=False)
                      for i in range(25)]),
                   js([esplora_tx(1, [(A0, 16667)], TIP - 50, full=False)]), str(TIP)]),
    "above_tip": (0, [js([esplora_tx(1, [(A0, 16667)], TIP + 1)]), str(TIP)]),
    "http_error": (0, ["429\nToo Many Requests"]),
    "bad_address": (0, ["400\nInvalid Bitcoin address"]),
    "not_json": (0, ["200\n<html>Bad gateway</html>"]),
    "tip_not_number": (0, [js([esplora_tx(1, [(A0, 16667)], TIP - 1)]), "tip"]),
    "float_value": (0, [js([{"txid": "01" * 32, "vout": [{"scriptpubkey_address": A0, "value": 1.5}],
                             "status": {"confirmed": False}}]), str(TIP)]),
}
for name, (scenario, parts) in esplora.items():
    write("bitcoin_esplora", name, bytes([scenario]) + SEP.join(parts).encode())

RPC_T1 = "11" * 32
RPC_T2 = "22" * 32


def rpc(results):
    return js([{"result": r, "error": None, "id": i} for i, r in results])


def info(mine=True, address=A0):
    return {"address": address, "ismine": mine, "solvable": mine, "iswatchonly": False,
            "isscript": False, "iswitness": True, "witness_version": 0, "ischange": False,
            "labels": [""] if mine else []}


def received(address, amount, confirmations, txids):
    return {"address": address, "amount": amount, "confirmations": confirmations, "label": "",
            "txids": txids}


def wallet_tx(txid, address, amounts, confirmations, received_at=T0 + 60):
    tx = {"amount": 0, "confirmations": confirmations, "txid": txid, "wtxid": txid,
          "walletconflicts": [], "mempoolconflicts": [], "time": received_at,
          "timereceived": received_at, "bip125-replaceable": "no",
          "details": [{"involvesWatchonly": True, "address": address, "category": "receive",
                       "amount": a, "label": "", "vout": i} for i, a in enumerate(amounts)],
          "hex": ""}
    if confirmations > 0:
        tx.update({"blockhash": "00" * 32, "blockheight": TIP - confirmations + 1,
                   "blockindex": 1, "blocktime": T0 + 300})
    return tx


def core_txs(*txs):
    # Amounts are BTC numbers with 8 decimals: keep their text (json would print 1.667e-04).
    text = rpc([("tx%d" % i, t) for i, t in enumerate(txs)])
    return text.replace('"AMOUNT:', "").replace(':AMOUNT"', "")


def btc(text):
    return "AMOUNT:" + text + ":AMOUNT"


core = {
    "unpaid": (0, [rpc([("info", info()), ("list", [])])]),
    "paid": (0, [rpc([("info", info()), ("list", [received(A0, 0.00016667, 2, [RPC_T1])])]),
                 core_txs(wallet_tx(RPC_T1, A0, [btc("0.00016667")], 2))]),
    "in_mempool": (0, [rpc([("info", info()), ("list", [received(A0, 0.00016667, 0, [RPC_T1])])]),
                       core_txs(wallet_tx(RPC_T1, A0, [btc("0.00016667")], 0))]),
    "btc_split_exact": (1, [rpc([("info", info(address=A1)), ("list", [received(A1, 0.0015, 3, [RPC_T1, RPC_T2])])]),
                            core_txs(wallet_tx(RPC_T1, A1, [btc("0.00050000"), btc("0.00100000")], 3),
                                     wallet_tx(RPC_T2, A1, [btc("0.00000001")], 1))]),
    "late_node_saw_it": (4, [rpc([("info", info()), ("list", [received(A0, 0.00016667, 2, [RPC_T1])])]),
                             core_txs(wallet_tx(RPC_T1, A0, [btc("0.00016667")], 2, T0 + 120))]),
    "conflicted": (0, [rpc([("info", info()), ("list", [received(A0, 0.00016667, 0, [RPC_T1])])]),
                       core_txs(wallet_tx(RPC_T1, A0, [btc("0.00016667")], -1))]),
    "other_address": (0, [rpc([("info", info()), ("list", [received(A0, 0.00016667, 2, [RPC_T1])])]),
                          core_txs(wallet_tx(RPC_T1, OTHER_ADDRESS, [btc("0.00016667")], 2))]),
    "plain_http_paid": (16, [rpc([("info", info()), ("list", [received(A0, 0.00016667, 2, [RPC_T1])])]),
                             core_txs(wallet_tx(RPC_T1, A0, [btc("0.00016667")], 2))]),
    "not_watched": (0, [rpc([("info", info(False)), ("list", [])])]),
    "wallet_not_loaded": (0, ['404\n{"result":null,"error":{"code":-18,"message":"Requested wallet does not exist or is not loaded"},"id":null}']),
    "unauthorized": (0, ["401\n"]),
    "invalid_address": (0, [js([{"result": None, "error": {"code": -5, "message": "Invalid address"}, "id": "info"},
                                {"result": [], "error": None, "id": "list"}])]),
    "warming_up": (0, ['500\n{"result":null,"error":{"code":-28,"message":"Loading block index..."},"id":null}']),
    "scientific_amount": (0, [rpc([("info", info()), ("list", [received(A0, 0.00016667, 2, [RPC_T1])])]),
                              core_txs(wallet_tx(RPC_T1, A0, [btc("1.6667e-4")], 2))]),
    "missing_answer": (0, [rpc([("info", info()), ("list", [received(A0, 0.00016667, 2, [RPC_T1])])]),
                           rpc([("tx7", {})])]),
}
for name, (scenario, parts) in core.items():
    write("bitcoin_core", name, bytes([scenario]) + SEP.join(parts).encode())

# --- chainside: API replies (first byte: the operation) and signed callbacks -----------------
# Operations (fuzz_targets/chainside_reply.rs): '0' request order-42, '1' request without id,
# '2' status by uuid, '3' status by reference, '4' cancel by reference, '5' cancel by uuid,
# '6' a signed payment.completed to confirm, '7' a signed payment.dispute.end; +8 ('8'..'?')
# on a backend already logged in. Shapes: backends/crypto's tests and simulator, spec §6.
CS_U = "3f1c1a9e-0000-4000-8000-000000000001"
LOGIN = "200\n" + js({"access_token": "AT-1", "id_token": "a.b.c", "expires_in": 3600,
                      "token_type": "Bearer", "scope": "*"})


def cs_order(status, reference="order-42", blockchain=None, **extra):
    o = {"uuid": CS_U, "address": "tb1qxyz", "uri": "bitcoin:tb1qxyz?amount=0.00025000",
         "redirect_url": "https://pay.example/p/1", "amount": "10.00", "btc_amount": 25000,
         "currency": {"type": "fiat", "uuid": "c0000000-0000-4000-8000-000000000000", "name": "EUR"},
         "rate": {"source": "bitstamp", "value": "40000.00", "created_at": "2023-11-14T22:13:00Z"},
         "required_confirmations": 2, "expires_in": 900, "expiration_time": "2023-11-14T22:28:20Z",
         "created_at": "2023-11-14T22:13:20Z", "resolved_at": "2023-11-14T22:20:00Z",
         "chargeback_date": None, "dispute_start_date": None, "details": "Tea",
         "reference": reference, "callback_url": "https://shop.example/cb",
         "created_by": {"type": "web", "uuid": "d0000000-0000-4000-8000-000000000000",
                        "name": "shop", "deposit_account": {"type": "bitcoin", "uuid": "e0000000-0000-4000-8000-000000000000", "name": "btc"}},
         "state": {"status": status, "blockchain_status": blockchain or status,
                   "paid": {"crypto": 25000, "fiat": "10.00"} if status == "paid" else None,
                   "in_confirmation": None,
                   "unpaid": None if status == "paid" else {"crypto": 25000, "fiat": "10.00"}},
         "transactions": [{"txid": "ab" * 32, "normalized_txid": "ab" * 32, "outs_sum": 25000,
                           "created_at": "2023-11-14T22:15:00Z", "outs": [{"n": 0, "amount": 25000}],
                           "blockchain_status": "confirmed", "status": "confirmed"}]
                         if status == "paid" else []}
    if reference is None:
        del o["reference"]
    o.update(extra)
    return o


CREATED = js({"uuid": CS_U, "address": "tb1qxyz", "uri": "bitcoin:tb1qxyz?amount=0.00025",
              "redirect_url": "https://pay.example/p/1", "amount": 25000,
              "expiration_time": "2023-11-14T22:28:20Z", "expires_in": 900,
              "rate": {"value": "40000.00"}, "created_at": "2023-11-14T22:13:20Z",
              "reference": "order-42"})
CREATED_NO_REF = js({"uuid": CS_U, "address": "tb1qxyz", "uri": "bitcoin:tb1qxyz?amount=0.00125",
                     "redirect_url": "https://pay.example/p/2", "amount": 125000,
                     "expires_in": 900, "rate": {"value": "40000.00"}})


def api_error(status, code, message, **extra):
    return "%d\n%s" % (status, js(dict({"error_code": code, "message": message,
                                         "request_id": "req-1"}, **extra)))


chainside_reply = {
    "request": "0" + SEP.join([LOGIN, "201\n" + CREATED]),
    "request_no_id": "1" + SEP.join([LOGIN, "201\n" + CREATED_NO_REF]),
    "request_logged_in": "8" + "201\n" + CREATED,
    "request_validation": "0" + SEP.join([LOGIN, api_error(400, "0001", "Validation error",
                                          debug_info={"amount": ["invalid"]})]),
    "request_down": "8" + api_error(503, "4006", "Functionality down"),
    "login_refused": "2" + api_error(401, "1001", "Unauthorized client"),
    "login_not_json": "2" + "502\n<html>bad gateway</html>",
    "status_paid": "2" + SEP.join([LOGIN, js(cs_order("paid"))]),
    "status_pending": ":" + js(cs_order("pending", blockchain="mempool_unconfirmed")),
    "status_by_reference": "3" + SEP.join([LOGIN, js(cs_order("paid"))]),
    "status_overpaid": ";" + js(cs_order("paid", state={"status": "paid", "blockchain_status": "paid",
                                "paid": {"crypto": 30000, "fiat": "12.00"}, "in_confirmation": None, "unpaid": None})),
    "status_dispute": ":" + js(cs_order("network_dispute", blockchain="mempool_network_dispute")),
    "status_chargeback": ":" + js(cs_order("chargeback")),
    "status_expired": ";" + js(cs_order("expired")),
    "status_renewed": ":" + SEP.join([api_error(401, "1004", "Access token expired"), LOGIN,
                                      js(cs_order("paid"))]),
    "status_revoked": ";" + SEP.join([api_error(401, "1007", "Invalid access token"), LOGIN,
                                      api_error(401, "1007", "Invalid access token")]),
    "status_not_found": ":" + api_error(404, "3001", "Not found"),
    "status_numeric_code": ":" + '429\n{"error_code": 2000, "message": "Too many requests"}',
    "cancel": "4" + SEP.join([LOGIN, js({"cancel_url": "https://shop.example/back"})]),
    "cancel_empty": "<" + "204\n",
    "cancel_refused": "=" + api_error(405, "3003", "Method not allowed"),
    "callback_confirmed": "6" + SEP.join([LOGIN, js(cs_order("paid"))]),
    "callback_still_pending": ">" + js(cs_order("pending")),
    "dispute_end": "?" + js(cs_order("paid")),
}
for name, data in chainside_reply.items():
    write("chainside_reply", name, data)


def cs_callback(event, **object_extra):
    o = cs_order("paid" if event in ("payment.completed", "payment.overpaid", "payment.dispute.end")
                 else {"payment.cancelled": "cancelled", "payment.expired": "expired",
                       "payment.dispute.start": "network_dispute",
                       "payment.chargeback": "chargeback"}.get(event, "pending"),
                 cancel_url="https://shop.example/back", continue_url="https://shop.example/back")
    o.update(object_extra)
    return js({"event": event, "created_at": "2023-11-14T22:20:00Z",
               "object_type": "payment_order", "object": o})


def cs_sign(body, secret="fuzz-chainside-secret"):
    key = hashlib.sha256(secret.encode()).digest()
    return base64.b64encode(hmac.new(key, body.encode(), hashlib.sha512).digest()).decode()


for event in ["payment.completed", "payment.overpaid", "payment.cancelled", "payment.expired",
              "payment.dispute.start", "payment.dispute.end", "payment.chargeback"]:
    write("chainside_callback", slug(event), cs_callback(event))
write("chainside_callback", "short_event", cs_callback("completed"))
write("chainside_callback", "unknown_event", cs_callback("payment.refunded"))
write("chainside_callback", "not_a_uuid", cs_callback("payment.completed", uuid="../token"))
write("chainside_callback", "amount_too_precise", cs_callback("payment.cancelled", amount="10.001"))
write("chainside_callback", "minimal", js({"event": "payment.expired", "object": {
    "uuid": CS_U, "amount": "1", "state": {"status": "expired"}}}))
write("chainside_callback", "browser_return", "uuid=" + CS_U)
# The first line is the header (signed right over the rest), then the body.
body = cs_callback("payment.completed")
write("chainside_callback", "header_line_right", cs_sign(body) + "\n" + body)
write("chainside_callback", "header_line_wrong", cs_sign(body, "other") + "\n" + body)
