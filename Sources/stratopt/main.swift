print("stratopt")
