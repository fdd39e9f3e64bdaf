"""Exports for village cadres: per village, the worklist of open cases to verify and the four
lists, as Excel workbooks under `$YULU_DATA_DIR/exports/<day>/`."""
