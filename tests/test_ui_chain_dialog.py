"""The chain dialog edits name, colour, nodes and switching delay and keeps every other field."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from sdn_desktop.ui.dialogs import ChainDialog


def test_editing_a_chain_keeps_its_budget(qtbot, small_scenario):
    chain = small_scenario.chains[0].model_copy(update={"budget_ms": 80.0})
    dialog = ChainDialog(small_scenario, chain, "Edit chain")
    qtbot.addWidget(dialog)
    dialog.name.setText("Renamed")
    dialog.chosen.takeItem(2)  # drop the shooter: Radar -> C2
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result_chain.name == "Renamed"
    assert dialog.result_chain.nodes == ["Radar", "C2"]
    assert dialog.result_chain.budget_ms == 80.0
