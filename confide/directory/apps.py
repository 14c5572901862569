from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "confide.directory"
    label = "directory"

    def ready(self) -> None:
        from confide.directory import search_index, taxonomy

        search_index.connect()  # keeps the denormalised search rows in step with every write
        taxonomy.connect()  # forgets cached terms and compact members when they are edited
