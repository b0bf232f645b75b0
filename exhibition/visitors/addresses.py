"""Whose address is it: the proof carried by the links of e-mails sent to a registration's address.

Following such a link proves the person holds the address; the "my registration" link alone does
not (the sign-up page shows it to whoever typed the address). services.prove_address records it."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from .models import Registration


def _signer(registration: Registration) -> URLSafeSerializer:
    # Bound to the address without carrying it: a proof stops working if the address changes.
    secret = current_app.config["SECRET_KEY"]
    return URLSafeSerializer(secret, salt=f"address-proof:{registration.email_key}")


def address_proof(*, registration: Registration) -> str:
    """What the link in an e-mail to the registration's address carries."""
    return _signer(registration).dumps(registration.id)


def proof_holds(*, registration: Registration, proof: str) -> bool:
    """Whether `proof` came from an e-mail to the registration's present address."""
    try:
        return _signer(registration).loads(proof) == registration.id
    except BadSignature:
        return False
