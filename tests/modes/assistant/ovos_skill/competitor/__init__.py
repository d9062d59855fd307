"""Another installed skill with a broad intent ("I have {thing}", a notes/symptom-diary skill), to measure
whether an emergency said out of the blue still reaches voice-triage."""
from os.path import dirname

from ovos_workshop.decorators import intent_handler
from ovos_workshop.skills.ovos import OVOSSkill


class Competitor(OVOSSkill):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("resources_dir", dirname(__file__))
        super().__init__(*args, **kwargs)

    @intent_handler("have.intent")
    def handle_have(self, message):
        self.speak("noted: " + message.data.get("thing", ""))
