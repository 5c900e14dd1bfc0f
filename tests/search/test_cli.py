"""The search commands: rebuild with progress, the drift check's exit status, one writer pass."""

from marketplace.extensions import db


def test_rebuild_check_and_writer(app, engines, contract_parties):
    _names, use = engines
    runner = app.test_cli_runner()
    with use("whoosh"):
        result = runner.invoke(args=["search", "rebuild"])
        assert result.exit_code == 0 and "in the index" in result.output
        assert runner.invoke(args=["search", "check"]).exit_code == 0
        contract_parties["contract"].organization.name = "北京市东城区改名后的社工机构"
        db.session.commit()
        drifted = runner.invoke(args=["search", "check"])
        assert drifted.exit_code == 1 and "stale: 1" in drifted.output
        assert runner.invoke(args=["search", "writer", "--max-passes", "1"]).exit_code == 0
        assert runner.invoke(args=["search", "check"]).exit_code == 0
