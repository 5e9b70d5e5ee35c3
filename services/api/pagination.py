"""``?page=N&page_size=M`` (max 100): ``{"count", "next", "previous", "results"}``."""

from rest_framework.pagination import PageNumberPagination


class DealerPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
