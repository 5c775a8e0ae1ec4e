"""Reporting: the monthly satisfaction measurement report (顾客满意度测量报告)."""
