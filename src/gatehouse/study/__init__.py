"""Study: flashcards and scenario questions as data, FSRS scheduling, progress in SQLite."""
