print("kontakt-bench: nothing yet")
