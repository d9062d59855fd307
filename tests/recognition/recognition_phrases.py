"""The test grammar: a representative per-question phrase list (the app's comes from Session.grammar())."""

# A representative per-question grammar: answers to a yes/no question, commands, emergency phrases.
# (The app's real one comes from Session.grammar().)
ANSWERS = {
    "yes": "yes", "yeah": "yes", "yep": "yes", "yes it does": "yes", "yes i do": "yes", "that's right": "yes",
    "correct": "yes", "i think so": "yes",
    "no": "no", "nope": "no", "no it doesn't": "no", "no i don't": "no", "not really": "no",
    "i don't think so": "no",
    "i'm not sure": "unsure", "i don't know": "unsure",
}
COMMANDS = ["repeat", "can you repeat that", "help", "what", "go back", "start over", "stop", "slower", "louder"]
EMERGENCY = ["i can't breathe", "i have chest pain", "my chest feels tight", "i'm short of breath", "chest pain",
             "i can't catch my breath"]
GRAMMAR = list(ANSWERS) + COMMANDS + EMERGENCY
CHATTER = ["I had toast for breakfast", "the weather is nice today", "where is the bathroom"]
