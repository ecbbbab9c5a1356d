"""Mock exams: printable forms, grading a class, and the timed simulation's state."""
