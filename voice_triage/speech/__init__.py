"""Speech out: the Synthesizer protocol, the pyttsx3 adapter, voice settings and captions.

Importing this package loads no speech library; pyttsx3 is loaded when a synthesizer is made.
"""
from voice_triage.speech.captions import Captions, CaptionStyle
from voice_triage.speech.output import SpeechOutput, open_speech_output
from voice_triage.speech.settings import VoiceCommand, VoiceSettings
from voice_triage.speech.synthesizer import (CaptionOnly, Pyttsx3Synthesizer, Synthesizer, UnknownVoiceError,
                                             VoiceInfo, list_voices)

__all__ = ["CaptionOnly", "CaptionStyle", "Captions", "Pyttsx3Synthesizer", "SpeechOutput", "Synthesizer",
           "UnknownVoiceError", "VoiceCommand", "VoiceInfo", "VoiceSettings", "list_voices", "open_speech_output"]
