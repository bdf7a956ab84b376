"""The ground floor: settings, errors, hashing, tokens, logs; imports nothing else of ours."""
