"""Sheets: workbooks in, rows out; rows and outcomes in, workbooks out.

Pure code (no AWS, no HTTP): the streaming reader, the row validator, the processed-file
writer, the schema conversion, the localisation of headers and the per-type specs.
"""
