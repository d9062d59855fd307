"""The one error family of voice-triage. Every message is meant to be read by a person."""


class VoiceTriageError(Exception):
    """Base of every error voice-triage raises on purpose; the CLI prints it without a traceback."""


class ContentError(VoiceTriageError):
    """A clinical content file (prompts/, grammars/, rules) is missing or wrong; names the file and key."""


class AudioDeviceError(VoiceTriageError):
    """No microphone or speaker, a device that vanished, or audio that cannot be read."""


class NoSuchDeviceError(AudioDeviceError):
    """A sound device the user named does not exist (not retried: the name is wrong)."""


class ModelError(VoiceTriageError):
    """A speech recognition model is missing, incomplete or of the wrong kind."""


class SpeechOutputError(VoiceTriageError):
    """The text-to-speech engine failed or is missing."""


class ExtrasMissingError(VoiceTriageError):
    """A mode needs an optional part of voice-triage that is not installed; names what and the pip command."""
