"""Feedback: complaint tickets (信息反馈单), their SLAs, and CAPAs."""
