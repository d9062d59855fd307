"""Voice settings and the spoken commands that change them (issue 4: slower, faster, louder, quieter)."""
import pytest
from hypothesis import given, strategies as st

from voice_triage.speech.settings import (RATE_STEP, SPOKEN_RATE_LIMITS, SPOKEN_VOLUME_LIMITS, VoiceCommand,
                                          VoiceSettings)


def test_each_command_moves_one_step_in_its_direction():
    base = VoiceSettings(rate=160, volume=0.6)
    assert base.adjusted("slower").rate == 160 - RATE_STEP
    assert base.adjusted("faster").rate == 160 + RATE_STEP
    assert base.adjusted("louder").volume == pytest.approx(0.8)
    assert base.adjusted("quieter").volume == pytest.approx(0.4)
    assert base.adjusted("slower").volume == base.volume and base.adjusted("louder").rate == base.rate


@given(st.lists(st.sampled_from(list(VoiceCommand)), max_size=40))
def test_spoken_commands_never_leave_the_bounds(commands):
    settings = VoiceSettings()
    for command in commands:
        settings = settings.adjusted(command)
        assert SPOKEN_RATE_LIMITS[0] <= settings.rate <= SPOKEN_RATE_LIMITS[1]
        assert SPOKEN_VOLUME_LIMITS[0] <= settings.volume <= SPOKEN_VOLUME_LIMITS[1]


def test_a_command_line_rate_outside_the_spoken_bounds_only_moves_towards_them():
    fast = VoiceSettings(rate=300)
    assert fast.adjusted("faster").rate == 300
    assert fast.adjusted("slower").rate == 275
    quiet = VoiceSettings(volume=0.1)
    assert quiet.adjusted("quieter").volume == pytest.approx(0.1)


def test_emergency_volume_is_full_and_keeps_the_rate():
    slow = VoiceSettings(rate=120, volume=0.3, voice="en-us")
    assert slow.at_full_volume() == VoiceSettings(rate=120, volume=1.0, voice="en-us")


@pytest.mark.parametrize("kwargs", [{"rate": 10}, {"rate": 1000}, {"volume": 1.5}, {"volume": -0.1}])
def test_out_of_range_settings_are_refused_with_a_message(kwargs):
    with pytest.raises(ValueError, match="between"):
        VoiceSettings(**kwargs)


def test_unknown_command_is_refused():
    with pytest.raises(ValueError):
        VoiceSettings().adjusted("shout")
