"""Pure computations: plain data in, numbers out. No Streamlit, no database."""
