"""Password storage (issue 14 item 5): Argon2id at OWASP's minimum or above; old hashes upgraded."""
from __future__ import annotations

import pytest
from argon2 import extract_parameters
from argon2 import Type
from werkzeug.security import generate_password_hash

from blog.accounts import services
from blog.accounts.passwords import needs_rehash, verify_password
from blog.extensions import db
from tests.factories import PASSWORD, make_user


def test_new_passwords_are_argon2id_at_owasp_cost(appctx):
    user = make_user()
    parameters = extract_parameters(user.password_hash)
    assert user.password_hash.startswith("$argon2id$")
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 19 * 1024 and parameters.time_cost >= 2 and parameters.parallelism == 1


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256"])
def test_an_old_werkzeug_hash_signs_in_once_and_is_replaced(appctx, method):
    user = make_user()
    user.password_hash = generate_password_hash(PASSWORD, method=method)
    db.session.commit()
    assert needs_rehash(user.password_hash)

    assert services.authenticate(user.email, PASSWORD, address="192.0.2.1").id == user.id
    db.session.commit()
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$") and not needs_rehash(user.password_hash)
    assert verify_password(user.password_hash, PASSWORD)
    assert services.authenticate(user.email, PASSWORD, address="192.0.2.1").id == user.id


def test_a_wrong_password_leaves_an_old_hash_alone(appctx):
    user = make_user()
    old = user.password_hash = generate_password_hash(PASSWORD, method="scrypt")
    db.session.commit()
    with pytest.raises(services.ValidationFailed):
        services.authenticate(user.email, "not the password", address="192.0.2.1")
    assert user.password_hash == old


def test_a_signed_in_rehash_is_saved_by_the_login_view(client, appctx):
    user = make_user()
    user.password_hash = generate_password_hash(PASSWORD, method="scrypt")
    db.session.commit()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(user), user.id).password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("stored", ["", "garbage", "$argon2id$v=19$m=1,t=1,p=1$bad", "md5$abc"])
def test_malformed_hashes_never_match(stored):
    assert verify_password(stored, "anything") is False
