print("podcap")
