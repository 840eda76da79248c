"""Domain layer of the SP4N-LAPOR! monev portal: instrument, tables and services."""
