from tests.projects.conftest import organization, project  # noqa: F401 (fixtures)
