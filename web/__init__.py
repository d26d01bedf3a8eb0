"""What every blueprint's views share: access declarations, page rendering, formatting, forms."""
