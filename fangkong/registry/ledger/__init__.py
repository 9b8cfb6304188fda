"""Ledgers (台账) in and out: reading Excel and CSV files, importing people, exporting them.

- reader.py: checks a file by content and streams its rows (.xlsx, .xls, .csv);
- columns.py: the header names ledgers use and the words in their cells;
- importer.py: validates, matches and writes, set-based, one transaction per file;
- report.py: the error report of the rows not taken;
- exporter.py: people to .xlsx (masked unless revealed with a reason) and blank templates;
- jobs.py: import jobs run in the background, with their progress.
"""
