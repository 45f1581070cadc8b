"""The real-Nova tests carry the ``realcloud`` marker: ``-m 'not realcloud'`` leaves them out."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "realcloud: real nova/placement/keystone/glance, MariaDB and RabbitMQ "
        "(slow: minutes; needs root and .venv-cloud from tools/setup-env.sh cloud)")
