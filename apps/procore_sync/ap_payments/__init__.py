"""Issue 8's payment write-back: payments recorded in Trestle on imported invoices, as Procore
contract payments on the invoice's commitment ("Create payments in Procore", the office's
"payments" switch).

payload.py   what one payment sends, and its fingerprint
writeback.py the "ap_payments" flow: create once, replace on edit, delete on void
states.py    each payment's Procore state as the invoice page shows it
queueing.py  a run when a payment changes, and Retry from the invoice page
"""
