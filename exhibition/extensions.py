"""Flask extensions, created unbound and initialised in create_app."""

import sqlalchemy as sa
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
# Limits are set on the routes that people can abuse (sign-up, login, check-in, private links);
# storage is RATELIMIT_STORAGE_URI (memory:// on one machine, Redis for several).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

# Secret links (/r/<token>, invitations, personal feeds, device set-up, portal sign-in) answer an
# unknown secret with the same plain 404 as any missing page. Each such miss counts against the
# address, across all those routes together; after 30 misses in 10 minutes it gets 429, so the
# secrets (128 bits and more) cannot be enumerated. People who follow their own link never miss.
guess_limit = limiter.shared_limit(
    "30 per 10 minutes",
    scope="secret-links",
    deduct_when=lambda response: response.status_code == 404,
)
