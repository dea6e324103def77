"""ModelKey: one name for one model, parsed back to the same key."""

import pytest

from spheredemo import pretrained, retrain
from spheredemo.keys import ModelKey
from spheredemo.margins import DEFAULT_M


def test_every_recipe_name_parses_back_to_itself():
    for name in pretrained.RECIPES:
        key = ModelKey.parse(name)
        assert key.name == name
        recipe = pretrained.RECIPES[name]
        assert (key.dim, key.loss, key.m) == (recipe["dim"], recipe["loss"], recipe["m"])


def test_asoftmax_without_m_means_the_papers_margin():
    assert DEFAULT_M == 4
    assert ModelKey().name == "mnist-d2-asoftmax-m4"
    assert ModelKey("lfw", 512, "asoftmax").label == "A-Softmax m=4"
    assert ModelKey(dim=3).with_loss("asoftmax-m2") == ModelKey("mnist", 3, "asoftmax", 2)
    assert ModelKey(loss="cosface").loss_name == "cosface"


@pytest.mark.parametrize("kwargs, message", [
    (dict(loss="softmax", m=2), "m applies to loss='asoftmax' only"),
    (dict(loss="sphereface"), "loss must be one of"),
    (dict(dataset="casia"), "dataset must be one of"),
    (dict(variant="big"), "variant must be None or one of"),
])
def test_bad_keys_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ModelKey(**kwargs)


@pytest.mark.parametrize("name, message", [
    ("mnist-2-asoftmax", "is not a model name"),
    ("mnist-d2-asoftmax", "did you mean 'mnist-d2-asoftmax-m4'"),
    ("mnist-d2-softmax-m4", "is not a model name: m applies to loss=.asoftmax. only"),
    ("mnist-d2-asoftmax-m0", "is not a model name: m must be a positive integer"),
])
def test_bad_names_are_refused(name, message):
    with pytest.raises(ValueError, match=message):
        ModelKey.parse(name)


def test_pretrained_command_refuses_bad_requests_with_a_message(capsys):
    for argv, message in ((["--only", "nope"], "unknown recipe names ['nope']; see --list"),
                          (["--quick"], "quick retraining would overwrite the shipped checkpoints"),
                          (["--add-seeds", "--only", "mnist-d2-modified-relu"], "train one seed only")):
        with pytest.raises(SystemExit):
            retrain.main(argv)
        assert message in capsys.readouterr().err


@pytest.mark.parametrize("kwargs", [dict(m=2.5), dict(m=0), dict(m=True), dict(dim=1), dict(dim="2")])
def test_keys_refuse_what_no_checkpoint_could_be_named(kwargs):
    with pytest.raises(ValueError):
        ModelKey(**kwargs)
    with pytest.raises(ValueError, match="only A-Softmax carries an integer margin"):
        ModelKey().with_loss("cosface-m0.35")
