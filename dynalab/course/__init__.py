"""The course: lessons/ markdown rendered with runnable requests, checked labs and quizzes."""
